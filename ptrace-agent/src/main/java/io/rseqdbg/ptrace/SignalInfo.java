package io.rseqdbg.ptrace;

import io.rseqdbg.ptrace.internal.Syscalls;

/**
 * What the kernel says about a signal at its delivery stop (PTRACE_GETSIGINFO): its number, its
 * {@code si_code} (0 or below: sent by a process with kill, tgkill or sigqueue; above 0: raised by
 * the kernel), the process that sent it, and the faulting address of a fault.
 *
 * @param senderPid the sending process for a signal a process sent, or the child a SIGCHLD is
 *                  about; 0 when the kernel raised it
 * @param address   {@code si_addr} of a fault (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP raised by
 *                  the kernel); 0 otherwise
 */
public record SignalInfo(int signal, int code, int senderPid, long address) {

    /** True when a process sent the signal (kill, tgkill, sigqueue, a timer of its own...). */
    public boolean sentByProcess() {
        return code <= 0;
    }

    /** The siginfo the tracer fetched last on {@code sys}, for a stop with {@code signal}. */
    static SignalInfo lastFetched(Syscalls sys, int signal) {
        int code = sys.siginfoCodeFetched();
        return new SignalInfo(signal, code,
                Syscalls.siginfoNamesSender(signal, code) ? sys.siginfoPid() : 0,
                Syscalls.siginfoNamesAddress(signal, code) ? sys.siginfoAddr() : 0);
    }
}
