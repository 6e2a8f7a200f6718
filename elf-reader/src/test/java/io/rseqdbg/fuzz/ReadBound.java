package io.rseqdbg.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

/**
 * A fuzz property's time and allocation bound on one read. A read over either bound is measured
 * again: the first read in a JVM also loads (and, while fuzzing, instruments) the reader's
 * classes, which is not what the input costs.
 */
public final class ReadBound {

    private record Cost(long nanos, long bytes) {
    }

    private ReadBound() {
    }

    /** {@code read} (on this thread) takes under {@code maxNanos} and allocates at most {@code maxBytes}. */
    public static void assertBounded(Runnable read, long maxNanos, long maxBytes) {
        Cost cost = measure(read);
        if (cost.bytes() > maxBytes || cost.nanos() >= maxNanos) {
            cost = measure(read);
        }
        long nanos = cost.nanos();
        long bytes = cost.bytes();
        assertTrue(nanos < maxNanos, () -> "took " + nanos / 1_000_000 + " ms");
        assertTrue(bytes <= maxBytes, () -> "allocated " + bytes + " bytes, more than " + maxBytes);
    }

    private static Cost measure(Runnable read) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        read.run();
        return new Cost(System.nanoTime() - start, threads.getCurrentThreadAllocatedBytes() - allocatedBefore);
    }
}
