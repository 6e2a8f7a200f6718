package io.rseqdbg.elf;

/**
 * One {@code __rseq_exit_point_array} entry: control may leave the critical section starting at
 * {@code start} by jumping to {@code exit}, without committing and without aborting.
 *
 * @param entry address of this {start_ip, exit_ip} pair in the table
 */
public record ExitPoint(long start, long exit, long entry) {
}
