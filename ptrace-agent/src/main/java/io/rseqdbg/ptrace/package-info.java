/**
 * The ptrace tracer. {@link io.rseqdbg.ptrace.Tracer} is the API: it owns one platform thread,
 * {@code TracerThread}, that makes every ptrace and waitpid call (the kernel answers only the
 * thread that attached), and hands every request to it.
 *
 * <p>On that thread, {@code Session} is the stop-decoding core: waitpid statuses become
 * {@link io.rseqdbg.ptrace.TraceEvent}s, threads are resumed, stepped, stepped over planted
 * breakpoints and held. Around it, package-private classes with one job each:
 * {@code Tracees} (who is traced, and the lookups that name what is not), {@code WaitStatus}
 * (decoding a status), {@code TraceErrors} (failed calls turned into one clear line, ESRCH and
 * EPERM checked against /proc and Yama first), {@code RegisterAccess}, {@code ProcessMemory} (one
 * read/write path: process_vm_readv/writev, then /proc/PID/task/TID/mem), {@code StepFixups} (the
 * x86 trap-flag fix-ups of pushf and popf, and the store check), {@code Breakpoints},
 * {@code RseqAccess}, {@code CpuAffinity}, {@code Attacher} (adopting a launched program,
 * attaching) and {@code Detacher} (restoring and letting go).
 *
 * <p>What a stop carries beyond its kind is plain data: {@link io.rseqdbg.ptrace.Syscall} (a
 * single-stepped system call, read at the step's own trap, which x86 reports at the call's exit
 * with si_code TRAP_BRKPT: no PTRACE_SYSCALL stops) and {@link io.rseqdbg.ptrace.SignalInfo}
 * (PTRACE_GETSIGINFO at a signal-delivery stop). Job control follows PTRACE_LISTEN: a
 * {@code GroupStop} left listening reports {@code Continued} at SIGCONT.
 *
 * <p>JNA and the C constants (PTRACE_*, W*, SI_*, TRAP_*) stay in
 * {@code io.rseqdbg.ptrace.internal}, which the module does not export.
 */
package io.rseqdbg.ptrace;
