package io.rseqdbg.stepper;

import java.util.SortedSet;

/**
 * The decisions of a serialized run ({@link Stepper#serialize}): only one thread of the program
 * runs at any moment, and this says which and for how long. Threads are named by logical id
 * (creation order, 0 = the first thread), never by tid, so that a schedule survives a re-run.
 * The mechanism (parking threads, the block watchdog) is the stepper's; a recording scheduler
 * and a replaying one differ only here.
 */
public interface Schedule {

    /** How long a step of the running thread may take before it counts as blocked in the kernel. */
    long blockTimeoutMillis();

    /**
     * The running thread is stopped where a switch is allowed (outside any section, holding
     * nobody). True to end its slice here.
     *
     * @param sliceSteps instructions it executed in this slice
     * @param blocked    its last step did not come back within {@link #blockTimeoutMillis()}
     */
    boolean endSlice(int logical, long sliceSteps, boolean blocked);

    /**
     * The slice of {@code logical} ended after {@code sliceSteps} instructions ({@code blocked}:
     * ended by the watchdog; {@code exited}: the thread ended). Pick who runs next among
     * {@code runnable} (it holds {@code logical} unless the thread exited; empty only after the
     * last thread exited, when the answer is ignored). Returning {@code logical} continues its slice.
     */
    int next(int logical, long sliceSteps, boolean blocked, boolean exited, SortedSet<Integer> runnable);

    /** A live signal for {@code logical}, stopped at instruction {@code steps}: false to drop it (replay). */
    default boolean deliverLive(int logical, long steps, int signal) {
        return true;
    }

    /** A signal to deliver to {@code logical} before it runs instruction {@code steps + 1}, or 0 (replay). */
    default int injectBefore(int logical, long steps) {
        return 0;
    }
}
