package io.rseqdbg.stepper;

/**
 * Bounds a section run at full speed (skip): breakpoints sit only at the ways out the tables
 * declare, so a thread that leaves through an exit nobody declared would run on free, with the
 * other threads held, forever. While a run is armed, a daemon thread wakes the stepper
 * ({@link Inferior#wakeUp()}, safe from any thread) every {@link #LIMIT_MILLIS}; the stepper
 * then looks where the thread is. Sections are tens of instructions: a run still inside after
 * that long is rare (a spinning section, a loaded machine) and costs one interrupt.
 */
final class RunWatch implements AutoCloseable {

    static final long LIMIT_MILLIS = 200;

    private final Inferior inferior;
    private Thread watcher;
    private volatile long armedAt;
    private volatile boolean closed;

    RunWatch(Inferior inferior) {
        this.inferior = inferior;
    }

    /** A run to the ways out began now. */
    void arm() {
        armedAt = System.nanoTime();
        if (watcher == null) {
            watcher = new Thread(this::watch, "rseqdbg-run-watch");
            watcher.setDaemon(true);
            watcher.start();
        }
    }

    /** The run ended (a way out, a signal, the end). */
    void disarm() {
        armedAt = 0;
    }

    private void watch() {
        long limit = LIMIT_MILLIS * 1_000_000L;
        while (!closed) {
            try {
                Thread.sleep(LIMIT_MILLIS / 4);
            } catch (InterruptedException e) {
                return;
            }
            long at = armedAt;
            if (at != 0 && System.nanoTime() - at > limit) {
                armedAt = System.nanoTime(); // once per period while the run lasts
                inferior.wakeUp();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        if (watcher != null) {
            watcher.interrupt();
        }
    }
}
