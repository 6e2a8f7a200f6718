package io.rseqdbg.ptrace;

import static io.rseqdbg.ptrace.internal.NativeError.ESRCH;

import io.rseqdbg.ptrace.internal.NativeError;
import io.rseqdbg.ptrace.internal.Syscalls;

/**
 * The x86 single-step fix-ups, around each step: {@code pushf} pushes the tracer's trap flag
 * (cleared in the pushed copy), {@code popf}/{@code iret} make the kernel adopt it (cleared
 * before the thread runs freely), see {@link PushfFixup}; and the {@link StoreCheck} of the
 * stepped instruction, which tells a stepper that memory cannot have changed. Tracer thread only.
 */
final class StepFixups {
    private final Syscalls sys;
    private final Tracees tracees;
    private final ProcessMemory memory;
    private final long[] regs = new long[32];
    private final byte[] code = new byte[16];

    StepFixups(Syscalls sys, Tracees tracees, ProcessMemory memory) {
        this.sys = sys;
        this.tracees = tracees;
        this.memory = memory;
    }

    /** Prepares for stepping the instruction at {@code pc} when it moves the trap flag (see {@link PushfFixup}). */
    void inspectStep(ThreadState t, long pc) {
        t.pushf = null;
        t.steppedNonStore = false;
        int n = memory.codeBytes(t, pc, code);
        if (n == 0) {
            return;
        }
        ProcessState p = t.process;
        if (p.arch == null) {
            p.arch = Arch.ofRegisterCount(sys.getRegisters(t.tid, regs));
        }
        t.steppedNonStore = !t.distrustNextStep && !StoreCheck.mayStore(code, n, p.arch);
        t.distrustNextStep = false;
        if (PushfFixup.loadsFlags(code, n)) {
            t.trapFlagAdopted = true;
            return;
        }
        int size = PushfFixup.pushfOperandSize(code, n, p.arch);
        if (size != 0) {
            Arch arch = Arch.ofRegisterCount(sys.getRegisters(t.tid, regs));
            t.pushf = new PushfFixup(regs[arch.sp] - size, pc + PushfFixup.instructionLength(code, n), size);
        }
    }

    /** Clears TF in a stopped thread's flags (the kernel took the tracer's TF for the program's). */
    void clearTrapFlag(ThreadState t) {
        t.trapFlagAdopted = false;
        try {
            int n = sys.getRegisters(t.tid, regs);
            Arch arch = Arch.ofRegisterCount(n);
            if ((regs[arch.flags] & Registers.TRAP_FLAG) != 0) {
                regs[arch.flags] &= ~Registers.TRAP_FLAG;
                sys.setRegisters(t.tid, regs, n);
            }
        } catch (NativeError e) {
            if (e.errno() != ESRCH) {
                throw tracees.fail(e, t.tid);
            }
        }
    }

    /** After a step of a pushf: clears TF in the flags it pushed, if it pushed them. */
    void clearPushedTrapFlag(ThreadState t) {
        PushfFixup f = t.pushf;
        t.pushf = null;
        Arch arch = Arch.ofRegisterCount(sys.getRegisters(t.tid, regs));
        t.knownPc = regs[arch.pc];
        if (regs[arch.sp] != f.expectedSp() || regs[arch.pc] != f.expectedPc()) {
            return; // it did not push after all
        }
        byte[] pushed = new byte[f.operandSize()];
        if (sys.readMemory(t.tid, f.expectedSp(), pushed, 0, pushed.length) == pushed.length && (pushed[1] & 1) != 0) {
            pushed[1] &= ~1; // TF is bit 8
            sys.writeMemory(t.tid, f.expectedSp(), pushed, 0, pushed.length);
        }
    }

    /**
     * False only when the thread's last resume single-stepped one instruction that writes no
     * memory (see {@link StoreCheck}).
     */
    boolean mayHaveWrittenMemory(int tid) {
        ThreadState t = tracees.thread(tid);
        return t == null || !t.steppedNonStore;
    }
}
