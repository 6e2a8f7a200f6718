package io.rseqdbg.stepper.replay;

import io.rseqdbg.stepper.Schedule;
import java.util.SortedSet;
import java.util.function.Consumer;

/**
 * The recording schedule: round robin over the runnable threads in logical order, each for a
 * slice of {@code sliceLength} instructions or until it blocks in the kernel. Every switch is
 * written as a {@link TraceRecord.Slice}, which is all replay needs to follow it.
 */
public final class Scheduler implements Schedule {

    private final long sliceLength;
    private final long blockTimeoutMillis;
    private final Consumer<TraceRecord> sink;

    public Scheduler(long sliceLength, long blockTimeoutMillis, Consumer<TraceRecord> sink) {
        if (sliceLength <= 0 || blockTimeoutMillis <= 0) {
            throw new IllegalArgumentException("slice length and block timeout must be positive");
        }
        this.sliceLength = sliceLength;
        this.blockTimeoutMillis = blockTimeoutMillis;
        this.sink = sink;
    }

    @Override
    public long blockTimeoutMillis() {
        return blockTimeoutMillis;
    }

    @Override
    public boolean endSlice(int logical, long sliceSteps, boolean blocked) {
        return blocked || sliceSteps >= sliceLength;
    }

    @Override
    public int next(int logical, long sliceSteps, boolean blocked, boolean exited, SortedSet<Integer> runnable) {
        int next = after(logical, runnable, exited);
        if (next == logical) {
            return logical; // alone: it goes on, its slice with it (nothing to record)
        }
        sink.accept(new TraceRecord.Slice(logical, sliceSteps, blocked && !exited, exited, next));
        return next;
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
