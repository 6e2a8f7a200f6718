package io.rseqdbg.stepper;

import io.rseqdbg.stepper.Inferior.Stop;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * The end of stepping with the program intact: every thread stopped, breakpoints out, a thread
 * caught inside a section gets its {@code rseq_cs} back (it will abort and retry, as if
 * preempted), every bound thread its own CPU mask, and held signals go with the detach.
 */
final class LetGo {

    private final Inferior inferior;
    private final ThreadHolds holds;
    private final Map<Integer, SteppedThread> threads;

    LetGo(Inferior inferior, ThreadHolds holds, Map<Integer, SteppedThread> threads) {
        this.inferior = inferior;
        this.holds = holds;
        this.threads = threads;
    }

    /** Stops everyone and detaches; the program's exit instead when it ended meanwhile (nothing detached). */
    Stop.Exited detach(Deque<Stop> backlog, Runnable removeBreakpoints) {
        holds.interruptRunning(null);
        holds.forgetExitedLeader();
        while (holds.othersRunning(null)) {
            Stop stop = inferior.next();
            if (stop instanceof Stop.Exited e) {
                return e;
            }
            SteppedThread o = threads.computeIfAbsent(stop.tid(), SteppedThread::new);
            o.running = false;
            o.interruptRequested = false;
            if (stop instanceof Stop.ThreadExited) {
                threads.remove(o.tid);
            } else if (!(stop instanceof Stop.Interrupted)) {
                o.pending.add(stop);
            }
        }
        backlog.forEach(s -> threads.computeIfAbsent(s.tid(), SteppedThread::new).pending.add(s));
        backlog.clear();
        removeBreakpoints.run();
        Map<Integer, Integer> signals = new HashMap<>();
        for (SteppedThread o : threads.values()) {
            if (o.section != null && o.savedRseqCs != 0) {
                inferior.setRseqCs(o.tid, o.savedRseqCs);
            }
            if (o.boundCpu >= 0) {
                inferior.restoreAffinity(o.tid);
                o.boundCpu = -1;
            }
            o.pending.stream().filter(s -> s instanceof Stop.Signalled).findFirst()
                    .ifPresent(s -> signals.put(o.tid, ((Stop.Signalled) s).signal()));
        }
        holds.release();
        inferior.detach(signals);
        return null;
    }

    /** After a failure: puts back what can be put back, never throwing (the program may be gone). */
    void restoreQuietly(Runnable removeBreakpoints) {
        try {
            removeBreakpoints.run();
            for (SteppedThread o : threads.values()) {
                if (o.section != null && o.savedRseqCs != 0 && !o.running) {
                    inferior.setRseqCs(o.tid, o.savedRseqCs);
                }
                if (o.boundCpu >= 0) {
                    inferior.restoreAffinity(o.tid);
                }
            }
        } catch (RuntimeException ignored) {
            // the program may be gone; the inferior's own close restores what it can
        }
    }
}
