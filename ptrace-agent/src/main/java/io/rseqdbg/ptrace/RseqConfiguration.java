package io.rseqdbg.ptrace;

/**
 * A thread's rseq registration as PTRACE_GET_RSEQ_CONFIGURATION reports it: the address and size
 * of its {@code struct rseq} (0 when the thread has none), the abort signature it registered and
 * the registration flags.
 */
public record RseqConfiguration(long address, int size, int signature, int flags) {
    public boolean registered() {
        return address != 0;
    }
}
