package io.rseqdbg.ptrace;

import io.rseqdbg.ptrace.AddressSpace.Site;
import io.rseqdbg.ptrace.ThreadState.Resume;
import io.rseqdbg.ptrace.WaitStatus.Event;
import io.rseqdbg.ptrace.internal.NativeError;
import io.rseqdbg.ptrace.internal.Syscalls;

/**
 * Letting go: every thread stopped, every planted byte put back, every CPU mask given back, the
 * trap flag the kernel adopted cleared, a stepped system call's queued SIGTRAP drained, then
 * PTRACE_DETACH with the signal the thread was stopped for. The programs go on running. Tracer
 * thread only.
 */
final class Detacher {
    /** Stops to go past while draining: each outstanding interrupt reports once. */
    private static final int DRAIN_TRIES = 8;

    private final Syscalls sys;
    private final Tracees tracees;
    private final Session session;
    private final ProcessMemory memory;
    private final StepFixups fixups;
    private final CpuAffinity affinity;

    Detacher(Syscalls sys, Tracees tracees, Session session, ProcessMemory memory, StepFixups fixups,
            CpuAffinity affinity) {
        this.sys = sys;
        this.tracees = tracees;
        this.session = session;
        this.memory = memory;
        this.fixups = fixups;
        this.affinity = affinity;
    }

    /** Restores every planted byte and detaches from every thread, leaving the processes running. */
    void detachAll() {
        RuntimeException first = null;
        for (ProcessState p : tracees.processes()) {
            try {
                detach(p);
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        session.dropQueued();
        tracees.markClosed();
        if (first != null) {
            throw first;
        }
    }

    void detach(ProcessState p) {
        try {
            session.hold(p, null);
        } catch (RuntimeException e) {
            // Restore and detach what can be, whatever the hold left running.
        }
        if (tracees.processOrNull(p.pid) != p) {
            return; // it exited while being stopped
        }
        for (Site s : p.space.sites.values()) {
            try {
                memory.writeRaw(p, s.address, s.original);
                memory.restored(p.pid, s.address);
            } catch (RuntimeException e) {
                // the mapping is gone with the code it held
            }
        }
        p.space.sites.clear();
        affinity.endRun(p);
        for (ThreadState t : p.threads.values()) {
            try {
                affinity.restoreAffinity(t.tid);
            } catch (RuntimeException e) {
                // gone
            }
            if (!t.zombie) {
                try {
                    if (t.trapFlagAdopted && t.stopped) {
                        fixups.clearTrapFlag(t);
                    }
                    drainStepTrap(t);
                    // A signal that stopped the thread and was not suppressed still reaches it.
                    sys.detach(t.tid, t.pendingSignal);
                } catch (NativeError e) {
                    // gone
                }
            }
        }
        tracees.forget(p);
    }

    /**
     * A thread single-stepped into a system call and stopped there by an interrupt already has
     * the step's SIGTRAP queued: the kernel reports a step at the system call's exit, and the
     * interrupt stop (or a group-stop) came first. Detached with it, the thread dies of SIGTRAP. Let it take that
     * signal now, under the tracer (no instruction runs before a queued signal is taken), and
     * drop it.
     */
    private void drainStepTrap(ThreadState t) {
        // A thread listened to in a group-stop may have entered it with a step's trap queued:
        // the kernel takes a pending group-stop before it dequeues any signal.
        if (t.lastResume == Resume.CONT) {
            return;
        }
        // An interrupt still outstanding (a wake-up's, a hold's) reports first: go on past it.
        for (int tries = 0; tries < DRAIN_TRIES && ProcFs.signalPending(t.process.pid, t.tid, WaitStatus.SIGTRAP); tries++) {
            try {
                sys.cont(t.tid, 0);
                session.waitRetry(t.tid);
                int status = sys.status();
                if (!WaitStatus.stopped(status)) {
                    t.zombie = true; // it exited meanwhile: nothing to detach
                    return;
                }
                int sig = WaitStatus.stopSignal(status);
                if (WaitStatus.event(status) == Event.NONE && sig != WaitStatus.SIGTRAP) {
                    t.pendingSignal = sig; // another signal came first: it is the program's, deliver it
                }
            } catch (NativeError | TraceException e) {
                return; // gone: nothing to drain
            }
        }
    }
}
