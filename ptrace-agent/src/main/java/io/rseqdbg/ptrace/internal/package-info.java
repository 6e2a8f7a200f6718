/**
 * The native boundary of the tracer, internal to ptrace-agent (not exported by its module):
 * glibc bound with JNA direct mapping ({@code LibC}), the system calls over buffers allocated
 * once ({@link io.rseqdbg.ptrace.internal.Syscalls}, one instance per tracer thread), the C
 * constants, and {@link io.rseqdbg.ptrace.internal.NativeError}. Above it the tracer speaks Java:
 * named requests ({@code seize}, {@code cont}, {@code singleStep}, {@code waitAny}...) and
 * {@link io.rseqdbg.ptrace.internal.TrapCause} instead of raw request numbers and si_codes.
 */
package io.rseqdbg.ptrace.internal;
