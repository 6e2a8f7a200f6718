package io.rseqdbg.tests.ptrace;

import io.rseqdbg.ptrace.TraceEvent;
import io.rseqdbg.ptrace.TraceEvent.BreakpointHit;
import io.rseqdbg.ptrace.TraceEvent.Exec;
import io.rseqdbg.ptrace.TraceEvent.Forked;
import io.rseqdbg.ptrace.TraceEvent.GroupStop;
import io.rseqdbg.ptrace.TraceEvent.Interrupted;
import io.rseqdbg.ptrace.TraceEvent.ProcessExited;
import io.rseqdbg.ptrace.TraceEvent.ProcessKilled;
import io.rseqdbg.ptrace.TraceEvent.SignalStop;
import io.rseqdbg.ptrace.TraceEvent.Stepped;
import io.rseqdbg.ptrace.TraceEvent.ThreadCreated;
import io.rseqdbg.ptrace.Tracer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Runs traced programs the plain way — every stopped thread continued, every signal delivered —
 * and keeps every event it saw, until the main process ends or a caller's condition holds.
 */
final class EventLoop {
    final Tracer tracer;
    final List<TraceEvent> seen = new ArrayList<>();

    EventLoop(Tracer tracer) {
        this.tracer = tracer;
    }

    /** Continues every stopped thread, then the program until its main process exits; returns that event. */
    TraceEvent runToExit() {
        tracer.resumeAll();
        return runUntil(e -> (e instanceof ProcessExited || e instanceof ProcessKilled) && e.tid() == tracer.pid());
    }

    /** Handles events as {@link #runToExit} does until one matches {@code stop}, which is left stopped. */
    TraceEvent runUntil(Predicate<TraceEvent> stop) {
        while (true) {
            TraceEvent e = tracer.waitEvent();
            seen.add(e);
            if (stop.test(e)) {
                return e;
            }
            if (e instanceof ThreadCreated c) {
                tracer.cont(c.tid());
                tracer.cont(c.newTid());
            } else if (e instanceof Forked f) {
                tracer.cont(f.tid());
                tracer.cont(f.childPid());
            } else if (e instanceof SignalStop || e instanceof GroupStop || e instanceof Exec
                    || e instanceof Stepped || e instanceof BreakpointHit || e instanceof Interrupted) {
                tracer.cont(e.tid()); // a SignalStop's signal goes with it
            }
        }
    }

    <T extends TraceEvent> List<T> all(Class<T> type) {
        List<T> list = new ArrayList<>();
        for (TraceEvent e : seen) {
            if (type.isInstance(e)) {
                list.add(type.cast(e));
            }
        }
        return list;
    }
}
