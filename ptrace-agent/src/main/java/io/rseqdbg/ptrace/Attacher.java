package io.rseqdbg.ptrace;

import static io.rseqdbg.ptrace.internal.NativeError.EPERM;
import static io.rseqdbg.ptrace.internal.NativeError.ESRCH;

import io.rseqdbg.ptrace.WaitStatus.Event;
import io.rseqdbg.ptrace.internal.NativeError;
import io.rseqdbg.ptrace.internal.Syscalls;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Taking programs over: adopting the program the launcher started (it waits to be traced, then
 * execs) and attaching to a running process, every thread of it, racing threads that start
 * meanwhile. An attach that fails half-way detaches from what it took. Tracer thread only.
 */
final class Attacher {
    private static final long LAUNCH_TIMEOUT_NANOS = 10_000_000_000L;

    private final Syscalls sys;
    private final Tracees tracees;
    private final Session session;
    private final Detacher detacher;
    /** The tracer thread's tid: what /proc/PID/status shows as TracerPid of our tracees. */
    private final int selfTid;
    /** System.nanoTime() just before the first thread was seized by {@link #attach}; 0 before. */
    private volatile long firstSeizeNanos;

    Attacher(Syscalls sys, Tracees tracees, Session session, Detacher detacher, int selfTid) {
        this.sys = sys;
        this.tracees = tracees;
        this.session = session;
        this.detacher = detacher;
        this.selfTid = selfTid;
    }

    /**
     * Takes over the program the launcher forked: the launcher's child waits until it is traced
     * and then calls execve, so the tracer first sees it stopped at the exec, at the new program's
     * first instruction.
     */
    int adoptLaunched(Process launcher, String program) {
        long deadline = System.nanoTime() + LAUNCH_TIMEOUT_NANOS;
        int child = -1;
        while (child < 0) {
            List<Integer> kids = ProcFs.children(launcher.pid());
            if (!kids.isEmpty()) {
                child = kids.get(0);
            } else if (!launcher.isAlive()) {
                throw new TraceException("launch", 0, 0, "launch " + program + ": the launcher exited with status "
                        + launcher.exitValue() + " before starting it");
            } else if (System.nanoTime() > deadline) {
                throw new TraceException("launch", 0, 0, "launch " + program + ": the launcher did not start it");
            } else {
                LockSupport.parkNanos(100_000);
            }
        }
        try {
            // EXITKILL: a dying rseqdbg must not leave a program it started to die later on a
            // planted int3; it dies with rseqdbg instead.
            sys.seize(child, true);
        } catch (NativeError e) {
            Syscalls.kill(child, WaitStatus.SIGKILL);
            throw tracees.fail(e, child);
        }
        ProcessState p = new ProcessState(child, new AddressSpace());
        ThreadState t = new ThreadState(child, p, false);
        tracees.register(p, t);
        t.atExec = true;
        while (true) {
            session.waitRetry(child);
            int status = sys.status();
            if (!WaitStatus.stopped(status)) {
                tracees.forget(p);
                int code = WaitStatus.exited(status) ? WaitStatus.exitCode(status) : 128 + WaitStatus.termSignal(status);
                throw new TraceException("launch", child, 0, "launch " + program + ": cannot execute it (status "
                        + code + ")");
            }
            if (WaitStatus.event(status) == Event.EXEC) {
                break;
            }
            // A signal before the exec (a terminal's SIGINT, say) belongs to the launcher's code.
            try {
                sys.cont(child, 0);
            } catch (NativeError e) {
                throw tracees.fail(e, child);
            }
        }
        t.stopped = true;
        return child;
    }

    /** Seizes every thread of {@code pid} and stops them all (PTRACE_SEIZE + PTRACE_INTERRUPT). */
    int attach(int requested) {
        ProcFs.Status st = ProcFs.status(requested).orElseThrow(() -> TraceErrors.noSuchProcess("attach", requested));
        if (st.kernelThread()) {
            throw new TraceException("attach", requested, EPERM, "attach " + requested + ": " + st.name()
                    + " is a kernel thread");
        }
        int pid = st.tgid(); // a thread id means its process
        if (pid == Syscalls.getpid()) {
            throw new TraceException("attach", pid, EPERM, "attach " + pid + ": that is rseqdbg itself");
        }
        if (st.tracerPid() != 0) {
            throw TraceErrors.alreadyTraced("attach", pid, st.tracerPid());
        }
        ProcessState p = new ProcessState(pid, new AddressSpace());
        tracees.add(p);
        try {
            // Threads may start while we seize: loop until a scan finds none we lack. Threads
            // started by an already seized thread are attached by the kernel (TRACECLONE).
            boolean first = true;
            Set<Integer> tried = new HashSet<>();
            while (true) {
                List<Integer> fresh = new ArrayList<>();
                for (int tid : ProcFs.tasks(pid)) {
                    if (tried.add(tid) && tracees.thread(tid) == null && !session.sawFirstStop(tid)) {
                        fresh.add(tid);
                    }
                }
                if (fresh.isEmpty()) {
                    break;
                }
                for (int tid : fresh) {
                    seize(p, tid, first);
                }
                session.hold(p, null);
                first = false;
            }
            if (p.threads.isEmpty()) {
                if (st.state() == 'Z') {
                    throw new TraceException("attach", pid, ESRCH, "attach " + pid + ": the process has exited (a zombie)");
                }
                throw TraceErrors.noSuchProcess("attach", pid);
            }
        } catch (RuntimeException e) {
            detacher.detach(p);
            tracees.remove(pid);
            throw e;
        }
        return pid;
    }

    private void seize(ProcessState p, int tid, boolean first) {
        if (firstSeizeNanos == 0) {
            firstSeizeNanos = System.nanoTime();
        }
        try {
            // Never EXITKILL for a program rseqdbg attached to: the user's running program must
            // not die with rseqdbg (SIGKILL, the OOM killer), as it does not die with gdb.
            sys.seize(tid, false);
        } catch (NativeError e) {
            char state = ProcFs.threadState(p.pid, tid);
            if (e.errno() == ESRCH || state == '?') {
                if (tid == p.pid && first && ProcFs.status(p.pid).isEmpty()) {
                    throw TraceErrors.noSuchProcess("attach", p.pid);
                }
                return; // the thread exited meanwhile
            }
            if (e.errno() == EPERM) {
                if (state == 'Z' || state == 'X') {
                    return; // a leader that called pthread_exit cannot be attached, and needs not be
                }
                int tracer = ProcFs.status(tid).map(ProcFs.Status::tracerPid).orElse(0);
                if (tracer == selfTid) {
                    return; // attached by the kernel through a clone event we have yet to read
                }
                if (tracer != 0) {
                    throw TraceErrors.alreadyTraced("attach", p.pid, tracer);
                }
                throw TraceErrors.notPermitted("attach", p.pid);
            }
            throw tracees.fail(e, tid);
        }
        tracees.register(p, new ThreadState(tid, p, false));
    }

    long firstSeizeNanos() {
        return firstSeizeNanos;
    }
}
