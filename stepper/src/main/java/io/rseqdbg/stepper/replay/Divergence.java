package io.rseqdbg.stepper.replay;

import java.util.List;

/**
 * Where a replay stopped matching its trace: thread {@code thread} at its instruction
 * {@code count}, pc named {@code pc}, with the {@code expected} record and what happened instead.
 */
public final class Divergence extends RuntimeException {

    private final int thread;
    private final long count;
    private final String pc;
    private final String expected;
    private final String actual;
    private final List<String> previous;

    Divergence(int thread, long count, String pc, String expected, String actual, List<String> previous) {
        super("replay diverged at thread " + thread + " instruction " + count + " (pc " + pc + "): expected "
                + expected + ", got " + actual);
        this.thread = thread;
        this.count = count;
        this.pc = pc;
        this.expected = expected;
        this.actual = actual;
        this.previous = List.copyOf(previous);
    }

    public int thread() {
        return thread;
    }

    public long count() {
        return count;
    }

    public String pc() {
        return pc;
    }

    public String expected() {
        return expected;
    }

    public String actual() {
        return actual;
    }

    /** The thread's matched events before the divergence, oldest first (at most 10). */
    public List<String> previous() {
        return previous;
    }
}
