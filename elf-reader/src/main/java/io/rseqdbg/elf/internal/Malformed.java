package io.rseqdbg.elf.internal;

/**
 * Something in the file contradicts itself or its own length. Unchecked so that parsing code
 * stays readable; {@link io.rseqdbg.elf.RseqTables} turns it into the checked
 * {@link io.rseqdbg.elf.ElfReadException} that names the file.
 */
public final class Malformed extends RuntimeException {

    public Malformed(String problem) {
        super(problem, null, false, false);
    }
}
