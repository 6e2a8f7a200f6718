package io.rseqdbg.stepper;

/**
 * Wakes the stepper ({@link Inferior#wakeUp()}, safe from any thread) when a wait it armed lasts
 * longer than its limit: a daemon thread, started at the first arming, looks every fifth of the
 * limit. Used where a resumed thread may not come back by itself: a step blocked in the kernel
 * while the thread it waits for is parked ({@link Serializer}, once per arming: only the stop
 * that follows says whether it was a block), and a section run at full speed that leaves
 * through an exit nobody declared ({@link Stepper}, every period while the run lasts).
 */
final class Watchdog implements AutoCloseable {

    private final String name;
    private final Inferior inferior;
    private final long limitMillis;
    private final boolean everyPeriod;
    private Thread watcher;
    private volatile long armedAt;
    private volatile boolean fired;
    private volatile boolean closed;

    private Watchdog(String name, Inferior inferior, long limitMillis, boolean everyPeriod) {
        this.name = name;
        this.inferior = inferior;
        this.limitMillis = limitMillis;
        this.everyPeriod = everyPeriod;
    }

    /** Wakes once per arming; {@link #takeFired()} tells whether it did. */
    static Watchdog oncePerArming(String name, Inferior inferior, long limitMillis) {
        return new Watchdog(name, inferior, limitMillis, false);
    }

    /** Wakes once every {@code limitMillis} while armed. */
    static Watchdog everyPeriod(String name, Inferior inferior, long limitMillis) {
        return new Watchdog(name, inferior, limitMillis, true);
    }

    /** The wait began now. */
    void arm() {
        armedAt = System.nanoTime();
        if (watcher == null) {
            watcher = new Thread(this::watch, name);
            watcher.setDaemon(true);
            watcher.start();
        }
    }

    /** The wait ended (the thread stopped, left, or the run ended). */
    void disarm() {
        armedAt = 0;
    }

    /** Whether it woke the stepper since the last call. */
    boolean takeFired() {
        boolean was = fired;
        fired = false;
        return was;
    }

    private void watch() {
        long limit = limitMillis * 1_000_000L;
        while (!closed) {
            try {
                Thread.sleep(Math.max(1, limitMillis / 5));
            } catch (InterruptedException e) {
                return;
            }
            long at = armedAt;
            if (at != 0 && (everyPeriod || !fired) && System.nanoTime() - at > limit) {
                fired = true;
                if (everyPeriod) {
                    armedAt = System.nanoTime();
                }
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
