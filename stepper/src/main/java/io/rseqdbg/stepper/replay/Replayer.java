package io.rseqdbg.stepper.replay;

import io.rseqdbg.stepper.Outcome;
import io.rseqdbg.stepper.Schedule;
import io.rseqdbg.stepper.StepListener;
import io.rseqdbg.stepper.StepRun;
import io.rseqdbg.stepper.Stepper;
import io.rseqdbg.stepper.SyscallAnswer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code rseqdbg replay}: runs the recorded program under the same serialized stepper, follows the
 * recorded schedule slice by slice, delivers the recorded signals at their recorded instruction
 * counts (live asynchronous signals are dropped), and compares every event with the trace in
 * order. The first difference ends the run with a {@link Divergence}. Section outcomes are forced:
 * a recorded abort happens at its recorded instruction, a recorded commit is protected from a
 * spontaneous abort, a signal recorded inside a section aborts it there ({@link #before}).
 *
 * <p>One reader is enough: because the run is serialized, events and slices come in the recorded
 * order, so the next record of the trace always says what must happen next.
 */
public final class Replayer implements Schedule {

    private static final int HISTORY = 10;

    private final TraceReader trace;
    private final TraceText text = new TraceText();
    private TraceRecord head;
    /** Records read past the head to see what follows it (a signal's abort, an entry's outcome). */
    private final java.util.LinkedList<TraceRecord> ahead = new java.util.LinkedList<>();
    private Stamper stamper;
    private Supplier<Stepper> stepper;
    private final Map<Integer, Deque<String>> history = new HashMap<>();
    private long events;
    private boolean force;
    private long commits;
    private long aborts;
    private long signals;
    private long syscalls;
    private long answered;
    /** Version 3 and later record system calls; replay of an older trace does not compare them. */
    private final boolean syscallsRecorded;
    private final ProcessIds ids = new ProcessIds();

    /** @param trace positioned after the header */
    public Replayer(TraceReader trace) {
        this.trace = trace;
        this.syscallsRecorded = trace.header().formatVersion() >= 3;
        advance();
    }

    /** --force: a module whose file changed since the recording is no divergence by itself. */
    public Replayer force(boolean force) {
        this.force = force;
        return this;
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

    /** System calls compared with the recording, and of those answered from it. */
    public long syscalls() {
        return syscalls;
    }

    public long answered() {
        return answered;
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
    public boolean endSlice(int logical, long sliceSteps, boolean blocked, BooleanSupplier atSyscall) {
        if (!(head instanceof TraceRecord.Slice s) || s.thread() != logical || s.exited()) {
            return false;
        }
        if (sliceSteps > s.instructions()) {
            throw divergence(logical, sliceSteps, s, "thread " + logical + " still running after "
                    + sliceSteps + " instructions of its slice");
        }
        // A slice that ended blocked in a system call ends so here too: the call blocks again (the
        // same threads are parked), and an interrupted call costs the same steps as recorded (its
        // exit trap, queued behind the interrupt, counts). Any other slice recorded as blocked was
        // a slow step whose instruction had not run: it ends at its count, blocked or not.
        return sliceSteps == s.instructions() && (blocked || !s.blocked() || !atSyscall.getAsBoolean());
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
    public boolean deliverLive(int logical, long steps, int signal, boolean inSection) {
        // Only recorded signals, where they were recorded: a live one that is exactly the next
        // recorded event goes through (a signal the thread had blocked and just unblocked).
        // Inside a section the recorded one is forced instead (before), at the right point.
        return !inSection && head instanceof TraceRecord.Signal s && s.thread() == logical && s.count() == steps
                && s.signal() == signal;
    }

    /**
     * The recorded outcome, forced: a signal recorded at this instruction is delivered here (and
     * when the recording's next event is the section's abort at the same count, it landed inside
     * the section, which the kernel then aborts); an abort recorded here is carried out here.
     */
    @Override
    public Directive before(int logical, long steps, int stop, boolean alone) {
        boolean inSection = stop > 0;
        if (head instanceof TraceRecord.Signal s && s.thread() == logical && s.count() == steps) {
            return inSection && abortAt(peek(1), logical, steps) ? Directive.abortBySignal(s.signal())
                    : Directive.signal(s.signal());
        }
        if (!inSection && head instanceof TraceRecord.Syscall c && c.thread() == logical && c.count() == steps
                && AnsweredCalls.complete(c)) {
            answered++;
            return Directive.answer(new SyscallAnswer(c.number(), c.result(), c.outputs()));
        }
        return inSection && abortAt(head, logical, steps) ? Directive.ABORT : Directive.RUN;
    }

    /**
     * Under the kernel's protection only where the recording saw a signal at the entry (it may
     * have come before the section began, which only a run from the store reproduces); every
     * other section is entered with rseq_cs cleared, so that a recorded commit is not lost to a
     * preemption here, and a recorded abort is forced where it happened.
     */
    @Override
    public boolean runProtected(int logical, long steps) {
        int i = 0;
        while (peek(i) instanceof TraceRecord.Module) {
            i++;
        }
        if (!(peek(i) instanceof TraceRecord.Enter e) || e.thread() != logical) {
            return true;
        }
        return peek(i + 1) instanceof TraceRecord.Signal s && s.thread() == logical && s.count() == e.count();
    }

    private static boolean abortAt(TraceRecord r, int logical, long steps) {
        return r instanceof TraceRecord.Leave l && l.thread() == logical && l.count() == steps
                && l.outcome() == Outcome.ABORTED;
    }

    // ---------------------------------------------------------------- comparison

    private void actual(TraceRecord actual) {
        if (actual instanceof TraceRecord.Module m) {
            if (!(head instanceof TraceRecord.Module e) || !force && (!e.sha256().equals(m.sha256())
                    || !e.tablesDigest().equals(m.tablesDigest()))) {
                throw divergence(-1, 0, head, text.line(m) + " (a different module)");
            }
            text.module(e);
            advance();
            return;
        }
        if (actual instanceof TraceRecord.Syscall && !syscallsRecorded) {
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
        } else if (actual instanceof TraceRecord.Syscall) {
            syscalls++;
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

    /**
     * Equal but for the cpu_id seen at entry (the CPU the run is bound to may differ: README), a
     * system call's arguments (pointers and ids) and the ids calls return (live, one for one).
     */
    private boolean same(TraceRecord expected, TraceRecord actual) {
        if (expected instanceof TraceRecord.Enter e && actual instanceof TraceRecord.Enter a) {
            return e.thread() == a.thread() && e.count() == a.count() && e.module() == a.module()
                    && e.offset() == a.offset();
        }
        if (expected instanceof TraceRecord.Syscall e && actual instanceof TraceRecord.Syscall a) {
            boolean result = AnsweredCalls.returnsId(e.number()) ? ids.same(e.result(), a.result())
                    : e.result() == a.result();
            return e.thread() == a.thread() && e.count() == a.count() && e.number() == a.number() && result
                    && e.outputs().equals(a.outputs());
        }
        return actual.equals(expected);
    }

    private void advance() {
        head = ahead.isEmpty() ? trace.next() : ahead.poll();
    }

    /** The record {@code n} places after the head (0: the head itself), or null past the end. */
    private TraceRecord peek(int n) {
        if (n == 0) {
            return head;
        }
        while (ahead.size() < n) {
            TraceRecord r = trace.next();
            if (r == null) {
                return null;
            }
            ahead.add(r);
        }
        return ahead.get(n - 1);
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
        } else if (r instanceof TraceRecord.Syscall c) {
            return c.thread();
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
        } else if (r instanceof TraceRecord.Syscall c) {
            return c.count();
        }
        return 0;
    }
}
