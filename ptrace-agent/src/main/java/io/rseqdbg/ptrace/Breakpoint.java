package io.rseqdbg.ptrace;

/** A software breakpoint (int3) planted in process {@code pid}'s memory at {@code address}. */
public record Breakpoint(int pid, long address) {
    @Override
    public String toString() {
        return "breakpoint 0x" + Long.toHexString(address) + " in " + pid;
    }
}
