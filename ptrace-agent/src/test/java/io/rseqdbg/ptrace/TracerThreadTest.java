package io.rseqdbg.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Handing work to the tracer thread around the moment that work closes the tracer. */
class TracerThreadTest {

    /**
     * Detaching ends the tracer thread from inside the caller's task (rseqdbg's --max-steps does
     * so). The caller waits in slices of 20 ms; a task that ends near a slice's end once made the
     * caller see a dead thread before its finished task, and report "tracer closed" instead of
     * the result (a CI run; without the fix this test failed 2 runs in 3). Task lengths sweep
     * across several slice ends.
     */
    @Test
    void aTaskThatStopsTheThreadStillReturnsItsResult() throws InterruptedException {
        // Busy threads deschedule the caller at random moments, as a loaded CI machine did.
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors(); i++) {
            Thread t = new Thread(() -> {
                while (!done.get()) {
                    Thread.onSpinWait();
                }
            });
            t.setDaemon(true);
            t.start();
            load.add(t);
        }
        try {
            callsThatStopTheThread();
        } finally {
            done.set(true);
            for (Thread t : load) {
                t.join();
            }
        }
    }

    private static void callsThatStopTheThread() {
        for (int i = 0; i < 60; i++) {
            TracerThread tracer = new TracerThread("tracer-thread-test");
            long nanos = 17_000_000L + i * 100_000L;
            int expected = i;
            int result = tracer.call(() -> {
                long end = System.nanoTime() + nanos;
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
                tracer.stop();
                return expected;
            });
            assertEquals(expected, result);
        }
    }

    @Test
    void workHandedToAStoppedThreadIsRefusedAsClosed() throws InterruptedException {
        TracerThread tracer = new TracerThread("tracer-thread-test");
        tracer.call(() -> {
            tracer.stop();
            return null;
        });
        Thread.sleep(50);
        assertThrows(TracerClosedException.class, () -> tracer.call(() -> 1));
    }
}
