package io.rseqdbg.ptrace;

import java.util.List;

/**
 * A system call a thread just made, read from its registers when a single step over it came
 * back: the number ({@code orig_rax}), the six argument registers as they are after the call
 * (the kernel preserves them on x86: rdi, rsi, rdx, r10, r8, r9; on i386 ebx, ecx, edx, esi, edi,
 * ebp) and the result ({@code rax}: a value, or -errno between -4095 and -1).
 */
public record Syscall(long number, List<Long> args, long result) {

    public Syscall {
        args = List.copyOf(args);
    }

    /**
     * True when the call was interrupted by a stop (a tracer's interrupt, a signal) and the kernel
     * restarts it when the thread resumes: its result is a restart code (-ERESTARTSYS,
     * -ERESTARTNOINTR, -ERESTARTNOHAND, -ERESTART_RESTARTBLOCK), which the program never sees.
     */
    public boolean restarts() {
        return result == -512 || result == -513 || result == -514 || result == -516;
    }

    /** True when the call failed: its result is -errno. */
    public boolean failed() {
        return result < 0 && result >= -4095;
    }

    /** The call the thread stopped at the end of, from its registers there. */
    static Syscall of(Registers r) {
        return answered(r.origSyscall(), r);
    }

    /** Call {@code number} with the arguments and result {@code r} holds (orig_rax may be gone). */
    static Syscall answered(long number, Registers r) {
        Arch arch = r.arch();
        Long[] args = new Long[arch.syscallArgs.length];
        for (int i = 0; i < args.length; i++) {
            args[i] = r.values()[arch.syscallArgs[i]];
        }
        long result = arch == Arch.I386 ? (int) r.result() : r.result();
        return new Syscall(number, List.of(args), result);
    }
}
