package io.rseqdbg.tests.runtime;

/** Sizes that put the runtime under contention on this machine. */
final class Load {

    /** More threads than cores, so threads are preempted and migrated inside their c.s. */
    static final int THREADS = Math.max(3, 2 * Runtime.getRuntime().availableProcessors());

    static final String FORCE_CPU_OPV = "RSEQDBG_FORCE_CPU_OPV";
    static final String GLIBC_TUNABLES = "GLIBC_TUNABLES";
    static final String GLIBC_WITHOUT_RSEQ = "glibc.pthread.rseq=0";

    private Load() {
    }

    /** Operations per thread for {@code total} operations in all. */
    static long perThread(long total) {
        return (total + THREADS - 1) / THREADS;
    }
}
