package io.rseqdbg.stepper;

import java.util.Map;

/**
 * Which thread, if any, holds the program: while a thread is inside a section with its rseq_cs
 * cleared (or runs one out), every other thread stays stopped, so nothing else touches the
 * per-cpu data. Asking threads to stop is here; waiting for their stops is the {@link Stepper}'s.
 */
final class ThreadHolds {

    private final Inferior inferior;
    private final Map<Integer, SteppedThread> threads;
    private SteppedThread holder;

    ThreadHolds(Inferior inferior, Map<Integer, SteppedThread> threads) {
        this.inferior = inferior;
        this.threads = threads;
    }

    SteppedThread holder() {
        return holder;
    }

    void holdFor(SteppedThread t) {
        holder = t;
    }

    /** The thread no longer holds the program; the caller lets the others go. */
    void release() {
        holder = null;
    }

    boolean isHolder(SteppedThread t) {
        return holder == t;
    }

    /** True when a thread other than {@code t} holds the program: {@code t} must wait. */
    boolean heldFrom(SteppedThread t) {
        return holder != null && holder != t;
    }

    /** True while some thread other than {@code except} may still run. */
    boolean othersRunning(SteppedThread except) {
        return threads.values().stream().anyMatch(o -> o != except && o.running);
    }

    /** Asks every running thread but {@code except} to stop; each stop then arrives through next(). */
    void interruptRunning(SteppedThread except) {
        for (SteppedThread o : threads.values()) {
            if (o != except && o.running && !o.interruptRequested) {
                o.interruptRequested = true;
                inferior.interrupt(o.tid);
            }
        }
    }

    /**
     * A process leader that exited before its threads (pthread_exit from main) stays a zombie
     * and reports nothing until the whole process ends: never wait for it to stop.
     */
    void forgetExitedLeader() {
        SteppedThread leader = threads.get(inferior.pid());
        if (leader != null && leader.running && inferior.threadGone(leader.tid)) {
            leader.running = false;
            leader.gone = true;
        }
    }
}
