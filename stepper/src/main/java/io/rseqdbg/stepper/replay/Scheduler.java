package io.rseqdbg.stepper.replay;

import io.rseqdbg.stepper.Schedule;
import java.util.SortedSet;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The recording schedule: round robin over the runnable threads in logical order, each for a
 * slice of {@code sliceLength} instructions or until it blocks in the kernel; or, with
 * {@link #chaos}, switches at random instruction counts, inside sections too. Every switch is
 * written as a {@link TraceRecord.Slice}, and every abort chaos causes as the section's
 * {@link TraceRecord.Leave}, which is all replay needs to follow it.
 */
public final class Scheduler implements Schedule {

    private final long sliceLength;
    private final long blockTimeoutMillis;
    private final Consumer<TraceRecord> sink;
    private Chaos chaos;

    public Scheduler(long sliceLength, long blockTimeoutMillis, Consumer<TraceRecord> sink) {
        if (sliceLength <= 0 || blockTimeoutMillis <= 0) {
            throw new IllegalArgumentException("slice length and block timeout must be positive");
        }
        this.sliceLength = sliceLength;
        this.blockTimeoutMillis = blockTimeoutMillis;
        this.sink = sink;
    }

    /** Random switches from {@code seed}: slices of 1 to 2 x the slice length, preemptions inside sections. */
    public Scheduler chaos(long seed) {
        this.chaos = new Chaos(seed, sliceLength);
        return this;
    }

    @Override
    public long blockTimeoutMillis() {
        return blockTimeoutMillis;
    }

    @Override
    public boolean endSlice(int logical, long sliceSteps, boolean blocked, BooleanSupplier atSyscall) {
        if (chaos != null) {
            return blocked || chaos.endSlice(sliceSteps);
        }
        return blocked || sliceSteps >= sliceLength;
    }

    @Override
    public int next(int logical, long sliceSteps, boolean blocked, boolean exited, SortedSet<Integer> runnable) {
        int next = chaos != null ? chaos.next(logical, sliceSteps, blocked, exited, runnable)
                : after(logical, runnable, exited);
        if (next == logical) {
            return logical; // alone: it goes on, its slice with it (nothing to record)
        }
        sink.accept(new TraceRecord.Slice(logical, sliceSteps, blocked && !exited, exited, next));
        return next;
    }

    @Override
    public Directive before(int logical, long steps, int stop, boolean alone) {
        return chaos != null && stop > 0 && !alone && chaos.preemptInside(stop) ? Directive.ABORT : Directive.RUN;
    }

    /** The first runnable thread after {@code logical} in logical order, wrapping; itself when alone. */
    static int after(int logical, SortedSet<Integer> runnable, boolean exited) {
        SortedSet<Integer> later = runnable.tailSet(logical + 1);
        if (!later.isEmpty()) {
            return later.first();
        }
        if (runnable.isEmpty()) {
            return -1;
        }
        int first = runnable.first();
        return first == logical && exited ? -1 : first;
    }
}
