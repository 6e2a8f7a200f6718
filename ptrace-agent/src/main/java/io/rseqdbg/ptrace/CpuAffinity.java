package io.rseqdbg.ptrace;

import static io.rseqdbg.ptrace.internal.NativeError.EINVAL;
import static io.rseqdbg.ptrace.internal.NativeError.ESRCH;

import io.rseqdbg.ptrace.internal.NativeError;
import io.rseqdbg.ptrace.internal.Syscalls;
import java.util.Arrays;

/**
 * CPU placement: the tracer thread pinned near a tracee (a cheaper step round trip), and traced
 * threads bound to one CPU while correctness needs it, each given its own mask back afterwards
 * (at the latest at detach). No ptrace: sched_setaffinity on the thread ids. Tracer thread only.
 */
final class CpuAffinity {
    private final Syscalls sys;
    private final Tracees tracees;

    CpuAffinity(Syscalls sys, Tracees tracees) {
        this.sys = sys;
        this.tracees = tracees;
    }

    /**
     * The CPU {@code tid} last ran on; for a process whose leader exited, the CPU one of its live
     * threads last ran on.
     */
    int lastCpu(int tid) {
        ThreadState t = tracees.threadOrMember(tid, "last cpu");
        int cpu = ProcFs.lastCpu(t.process.pid, t.tid);
        if (cpu < 0) {
            throw TraceErrors.noSuchProcess("last cpu", t.tid);
        }
        return cpu;
    }

    int pinToCpuOf(int tid) {
        int cpu = lastCpu(tid);
        try {
            sys.pinCallingThread(cpu);
        } catch (NativeError e) {
            throw tracees.fail(e, tid);
        }
        return cpu;
    }

    void pinToCpu(int cpu) {
        try {
            sys.pinCallingThread(cpu);
        } catch (NativeError e) {
            throw new TraceException("pin tracer", 0, e.errno(), "pin tracer to CPU " + cpu + ": "
                    + NativeError.describe(e.errno()));
        }
    }

    void unpin() {
        sys.unpinCallingThread();
    }

    /**
     * Keeps thread {@code tid} on {@code cpu} until {@link #restoreAffinity}; its own mask is kept
     * to be given back then, or at detach. False when the kernel refuses that CPU (a cpuset
     * without it, the CPU offline): the thread's mask is then as it was.
     */
    boolean bindToCpu(int tid, int cpu) {
        ThreadState t = tracees.known(tid, "bind to cpu");
        if (cpu < 0 || cpu >= 1024) {
            return false;
        }
        try {
            if (t.ownAffinity == null) {
                t.ownAffinity = sys.threadAffinity(tid);
                sys.changedMask(tid, t.ownAffinity);
            }
            sys.setThreadAffinity(tid, oneCpu(cpu));
            return true;
        } catch (NativeError e) {
            if (e.errno() == EINVAL) {
                restoreAffinity(tid);
                return false;
            }
            throw tracees.fail(e, tid);
        }
    }

    boolean isBoundTo(int tid, int cpu) {
        tracees.known(tid, "cpu mask");
        try {
            return Arrays.equals(sys.threadAffinity(tid), oneCpu(cpu));
        } catch (NativeError e) {
            throw tracees.fail(e, tid);
        }
    }

    private static byte[] oneCpu(int cpu) {
        byte[] mask = new byte[128];
        mask[cpu / 8] = (byte) (1 << (cpu % 8));
        return mask;
    }

    /**
     * {@code --bind}: keeps every thread of process {@code pid}, and those it creates, on
     * {@code cpu} until detach; {@link #restoreAffinity} then returns a thread to that CPU, not
     * to its own mask. False when the kernel refuses that CPU for one of them (all given back).
     */
    boolean bindProcess(ProcessState p, int cpu) {
        for (ThreadState t : p.threads.values()) {
            if (!t.zombie && !bindToCpu(t.tid, cpu)) {
                p.threads.values().forEach(o -> restoreAffinity(o.tid));
                return false;
            }
        }
        p.runCpu = cpu;
        return true;
    }

    /** From now on {@link #restoreAffinity} gives every thread of {@code p} its own mask back. */
    void endRun(ProcessState p) {
        p.runCpu = -1;
    }

    /**
     * Gives a thread bound by {@link #bindToCpu} its own CPU mask back (under
     * {@link #bindProcess}, the run's CPU); nothing when it is not bound.
     */
    void restoreAffinity(int tid) {
        ThreadState t = tracees.thread(tid);
        if (t == null || t.ownAffinity == null) {
            return;
        }
        if (t.process.runCpu >= 0) {
            bindToCpu(tid, t.process.runCpu);
            return;
        }
        byte[] own = t.ownAffinity;
        t.ownAffinity = null;
        try {
            sys.setThreadAffinity(tid, own);
            sys.restoredMask(tid);
        } catch (NativeError e) {
            if (e.errno() != ESRCH) {
                throw tracees.fail(e, tid);
            }
        }
    }
}
