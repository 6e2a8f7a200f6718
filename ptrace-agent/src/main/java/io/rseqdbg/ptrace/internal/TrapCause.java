package io.rseqdbg.ptrace.internal;

import static io.rseqdbg.ptrace.internal.Syscalls.SI_KERNEL;
import static io.rseqdbg.ptrace.internal.Syscalls.TRAP_BRKPT;
import static io.rseqdbg.ptrace.internal.Syscalls.TRAP_TRACE;

/** Why a thread stopped with SIGTRAP: the si_code of its siginfo (asm-generic/siginfo.h), named. */
public enum TrapCause {
    /** SI_KERNEL: an int3 ran. */
    INT3,
    /** TRAP_TRACE after a single-stepped instruction: si_addr holds the new pc. */
    STEP,
    /**
     * TRAP_BRKPT: x86 reports a single step over a system call at the call's exit with this code
     * (user_single_step_report); si_addr holds the new pc.
     */
    SYSCALL_STEP,
    /** Any other code the kernel raises (a step that entered a signal handler, say). */
    KERNEL,
    /** si_code <= 0: sent by a process (kill, tgkill, sigqueue), or raised by the program itself. */
    SENT;

    public static TrapCause of(int siCode) {
        if (siCode == SI_KERNEL) {
            return INT3;
        }
        if (siCode == TRAP_TRACE) {
            return STEP;
        }
        if (siCode == TRAP_BRKPT) {
            return SYSCALL_STEP;
        }
        return siCode > 0 ? KERNEL : SENT;
    }
}
