/**
 * The ptrace tracer: launch or attach, threads, registers, memory, breakpoints, rseq areas.
 *
 * <p>Only {@code io.rseqdbg.ptrace} is exported. {@code io.rseqdbg.ptrace.internal} — the JNA
 * bindings and the C constants — is for this module alone. It is not opened either: JNA's
 * direct mapping ({@code Native.register}) reads the binding class's declared methods and binds
 * them through JNI, which needs no reflective access (checked by {@code ModuleTest}, which runs
 * the bindings inside the module).
 *
 * <p>The other rseqdbg modules are not modules yet and see this one on the class path, where a
 * module descriptor is not enforced: {@code ModuleTest} also fails when their sources import the
 * internal package.
 */
module io.rseqdbg.ptrace {
    requires com.sun.jna;

    exports io.rseqdbg.ptrace;
}
