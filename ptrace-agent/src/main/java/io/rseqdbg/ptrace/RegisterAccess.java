package io.rseqdbg.ptrace;

import io.rseqdbg.ptrace.internal.NativeError;
import io.rseqdbg.ptrace.internal.Syscalls;

/**
 * A stopped thread's registers: read (the trap flag the tracer set is hidden), written, and the
 * pc alone, which is kept while the thread stays stopped so the step path reads it at most
 * once. Reading registers also learns the process's architecture. Tracer thread only.
 */
final class RegisterAccess {
    private final Syscalls sys;
    private final Tracees tracees;
    private final long[] regs = new long[32];

    RegisterAccess(Syscalls sys, Tracees tracees) {
        this.sys = sys;
        this.tracees = tracees;
    }

    Registers getRegisters(int tid) {
        ThreadState t = tracees.stoppedThread(tid, "get registers");
        int n;
        try {
            n = sys.getRegisters(tid, regs);
        } catch (NativeError e) {
            throw tracees.fail(e, tid);
        }
        Arch arch = Arch.ofRegisterCount(n);
        t.process.arch = arch;
        t.knownPc = regs[arch.pc];
        if (t.trapFlagAdopted) {
            regs[arch.flags] &= ~Registers.TRAP_FLAG; // the tracer's, not the program's
        }
        return new Registers(arch, regs);
    }

    void setRegisters(int tid, Registers r) {
        ThreadState t = tracees.stoppedThread(tid, "set registers");
        try {
            sys.setRegisters(tid, r.values(), r.arch().registerNames().size());
        } catch (NativeError e) {
            throw tracees.fail(e, tid);
        }
        t.knownPc = r.pc();
        t.pushf = null;
    }

    long pc(int tid) {
        ThreadState t = tracees.stoppedThread(tid, "read pc");
        try {
            return pcOf(t);
        } catch (NativeError e) {
            throw tracees.fail(e, tid);
        }
    }

    void setPc(int tid, long pc) {
        Registers r = getRegisters(tid);
        r.setPc(pc);
        r.cancelSyscallRestart();
        setRegisters(tid, r);
    }

    Arch arch(int pid) {
        ProcessState p = tracees.process(pid, "architecture");
        if (p.arch == null) {
            ThreadState t = p.anyThread();
            if (t == null || !t.stopped) {
                throw new TraceException("architecture", pid, 0, "architecture of " + pid + ": no thread is stopped to ask");
            }
            getRegisters(t.tid);
        }
        return p.arch;
    }

    /** The pc of a stopped thread: known since its stop, or one PEEKUSER. */
    long pcOf(ThreadState t) {
        if (t.knownPc == ThreadState.UNKNOWN_PC) {
            t.knownPc = sys.peekPc(t.tid);
        }
        return t.knownPc;
    }

    /** Moves the pc alone (POKEUSER), as after an int3 of the tracer's. */
    void setPcRaw(ThreadState t, long pc) {
        sys.pokePc(t.tid, pc);
        t.knownPc = pc;
    }
}
