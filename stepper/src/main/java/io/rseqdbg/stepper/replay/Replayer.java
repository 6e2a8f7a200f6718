package io.rseqdbg.stepper.replay;

import io.rseqdbg.stepper.Outcome;
import io.rseqdbg.stepper.Schedule;
import io.rseqdbg.stepper.StepListener;
import io.rseqdbg.stepper.StepRun;
import io.rseqdbg.stepper.Stepper;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.function.Supplier;

/**
 * {@code rseqdbg replay}: runs the recorded program under the same serialized stepper, follows the
 * recorded schedule slice by slice, delivers the recorded signals at their recorded instruction
 * counts (live asynchronous signals are dropped), and compares every event with the trace in
 * order. The first difference ends the run with a {@link Divergence}.
 *
 * <p>One reader is enough: because the run is serialized, events and slices come in the recorded
 * order, so the next record of the trace always says what must happen next. Section outcomes are
 * compared, not yet forced (README).
 */
public final class Replayer implements Schedule {

    private static final int HISTORY = 10;

    private final TraceReader trace;
    private final TraceText text = new TraceText();
    private TraceRecord head;
    private Stamper stamper;
    private Supplier<Stepper> stepper;
    private final Map<Integer, Deque<String>> history = new HashMap<>();
    private long events;
    private long commits;
    private long aborts;
    private long signals;

    /** @param trace positioned after the header */
    public Replayer(TraceReader trace) {
        this.trace = trace;
        advance();
    }

    public StepRun attachTo(StepRun run) {
        return run.serialize(this).stepperListener(this::listener);
    }

    private StepListener listener(Supplier<Stepper> stepper) {
        this.stepper = stepper;
        this.stamper = new Stamper(stepper, this::actual);
        return stamper;
    }

    public long events() {
        return events;
    }

    public long commits() {
        return commits;
    }

    public long aborts() {
        return aborts;
    }

    public long signals() {
        return signals;
    }

    /** After the run: a divergence when the trace holds more than the run did. */
    public void finish() {
        if (head != null) {
            throw divergence(-1, 0, head, "the end of the run");
        }
    }

    // ---------------------------------------------------------------- Schedule

    @Override
    public long blockTimeoutMillis() {
        return trace.header().blockTimeoutMillis();
    }

    @Override
    public boolean endSlice(int logical, long sliceSteps, boolean blocked) {
        if (!(head instanceof TraceRecord.Slice s) || s.thread() != logical || s.exited()) {
            return false;
        }
        if (sliceSteps > s.instructions()) {
            throw divergence(logical, sliceSteps, s, "thread " + logical + " still running after "
                    + sliceSteps + " instructions of its slice");
        }
        return sliceSteps == s.instructions() && (blocked || !s.blocked());
    }

    @Override
    public int next(int logical, long sliceSteps, boolean blocked, boolean exited, SortedSet<Integer> runnable) {
        TraceRecord.Slice actual = new TraceRecord.Slice(logical, sliceSteps, blocked && !exited, exited, -1);
        if (!(head instanceof TraceRecord.Slice s) || s.thread() != logical || s.instructions() != sliceSteps
                || s.exited() != exited) {
            if (!exited && runnable.size() == 1) {
                return logical; // recording went on alone here too: no slice was written
            }
            throw divergence(logical, sliceSteps, head, text.line(actual));
        }
        if (s.next() >= 0 && !runnable.contains(s.next())) {
            throw divergence(logical, sliceSteps, s, "thread " + s.next() + " not runnable (runnable: " + runnable + ")");
        }
        advance();
        return s.next();
    }

    @Override
    public boolean deliverLive(int logical, long steps, int signal) {
        // Only recorded signals, where they were recorded: a live one that is exactly the next
        // recorded event goes through (a signal the thread had blocked and just unblocked).
        return head instanceof TraceRecord.Signal s && s.thread() == logical && s.count() == steps
                && s.signal() == signal;
    }

    @Override
    public int injectBefore(int logical, long steps) {
        if (head instanceof TraceRecord.Signal s && s.thread() == logical && s.count() == steps) {
            return s.signal();
        }
        return 0;
    }

    // ---------------------------------------------------------------- comparison

    private void actual(TraceRecord actual) {
        if (actual instanceof TraceRecord.Module m) {
            if (!(head instanceof TraceRecord.Module e) || !e.sha256().equals(m.sha256())
                    || !e.tablesDigest().equals(m.tablesDigest())) {
                throw divergence(-1, 0, head, text.line(m) + " (a different module)");
            }
            text.module(e);
            advance();
            return;
        }
        // An event without a thread (the exit) is placed at the thread that was expected.
        int thread = threadOf(actual) >= 0 ? threadOf(actual) : threadOf(head);
        long count = threadOf(actual) >= 0 ? countOf(actual) : countOf(head);
        if (!same(head, actual)) {
            throw divergence(thread, count, head, text.line(actual));
        }
        events++;
        if (actual instanceof TraceRecord.Leave l) {
            if (l.outcome() == Outcome.COMMITTED) {
                commits++;
            } else if (l.outcome() == Outcome.ABORTED) {
                aborts++;
            }
        } else if (actual instanceof TraceRecord.Signal) {
            signals++;
        }
        if (thread >= 0) {
            Deque<String> h = history.computeIfAbsent(thread, k -> new ArrayDeque<>());
            h.addLast(text.line(actual));
            if (h.size() > HISTORY) {
                h.removeFirst();
            }
        }
        advance();
    }

    /** Equal but for the cpu_id seen at entry: the CPU the run is bound to may differ (README). */
    private static boolean same(TraceRecord expected, TraceRecord actual) {
        if (expected instanceof TraceRecord.Enter e && actual instanceof TraceRecord.Enter a) {
            return e.thread() == a.thread() && e.count() == a.count() && e.module() == a.module()
                    && e.offset() == a.offset();
        }
        return actual.equals(expected);
    }

    private void advance() {
        head = trace.next();
    }

    private Divergence divergence(int thread, long count, TraceRecord expected, String actual) {
        String pc = "-";
        if (thread >= 0 && stamper != null) {
            long at = stamper.lastPc(thread);
            pc = at < 0 ? "-" : stepper.get().nameOf(at) + " (0x" + Long.toHexString(at) + ")";
        }
        String wanted = expected == null ? "the end of the trace" : text.line(expected);
        List<String> before = List.copyOf(history.getOrDefault(thread, new ArrayDeque<>()));
        return new Divergence(thread, count, pc, wanted, actual, before);
    }

    private static int threadOf(TraceRecord r) {
        if (r instanceof TraceRecord.ThreadStart t) {
            return t.thread();
        } else if (r instanceof TraceRecord.ThreadExit t) {
            return t.thread();
        } else if (r instanceof TraceRecord.Enter e) {
            return e.thread();
        } else if (r instanceof TraceRecord.Leave l) {
            return l.thread();
        } else if (r instanceof TraceRecord.Signal s) {
            return s.thread();
        }
        return -1;
    }

    private static long countOf(TraceRecord r) {
        if (r instanceof TraceRecord.ThreadStart t) {
            return t.count();
        } else if (r instanceof TraceRecord.ThreadExit t) {
            return t.count();
        } else if (r instanceof TraceRecord.Enter e) {
            return e.count();
        } else if (r instanceof TraceRecord.Leave l) {
            return l.count();
        } else if (r instanceof TraceRecord.Signal s) {
            return s.count();
        }
        return 0;
    }
}
