package io.rseqdbg.elf;

import java.util.List;

/**
 * One rseq critical section: the instructions {@code [start, start + postCommitOffset)}, which the
 * kernel aborts to {@code abort} when the thread is preempted, migrated or signalled inside them.
 *
 * @param start            start_ip
 * @param postCommitOffset post_commit_offset, as stored (an overflowing value is kept as is)
 * @param abort            abort_ip
 * @param exits            declared exit points (from {@code __rseq_exit_point_array}), ascending
 * @param name             {@code symbol+offset} of {@code start}, or its 0x hex address without a symbol
 * @param section          the section that holds the descriptor ({@code __rseq_cs}, {@code __rseq_table}, ...)
 * @param descriptor       address of the {@code struct rseq_cs} descriptor
 */
public record CriticalSection(long start, long postCommitOffset, long abort, List<Long> exits, String name,
                              String section, Architecture architecture, int version, int flags, long descriptor) {

    public CriticalSection {
        exits = List.copyOf(exits);
    }

    /** The first address after the critical section (start_ip + post_commit_offset). */
    public long postCommit() {
        return start + postCommitOffset;
    }

    /** True when {@code pc} is inside {@code [start, postCommit)}, the range the kernel aborts. */
    public boolean contains(long pc) {
        return Long.compareUnsigned(pc - start, postCommitOffset) < 0;
    }

    /** The same critical section with every address moved by the module's load bias. */
    public CriticalSection relocated(long bias) {
        if (bias == 0) {
            return this;
        }
        return new CriticalSection(start + bias, postCommitOffset, abort + bias,
                exits.stream().map(e -> e + bias).toList(), name, section, architecture, version, flags,
                descriptor + bias);
    }
}
