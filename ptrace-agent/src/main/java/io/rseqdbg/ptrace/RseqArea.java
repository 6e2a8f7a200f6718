package io.rseqdbg.ptrace;

/**
 * The live {@code struct rseq} of a thread, read from its memory. {@code cpuId} is -1 when rseq is
 * uninitialized and -2 when registration failed; {@code rseqCs} is the address of the critical
 * section descriptor the thread is inside (or about to enter), 0 outside any.
 */
public record RseqArea(int cpuIdStart, int cpuId, long rseqCs, int flags) {
    /** Offset of {@code rseq_cs} inside {@code struct rseq}: the field a debugger clears. */
    public static final int RSEQ_CS_OFFSET = 8;
}
