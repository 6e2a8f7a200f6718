package io.rseqdbg.elf;

import java.nio.file.Path;

/**
 * A file that cannot be read as an ELF executable or shared object: missing, unreadable,
 * truncated, corrupt or hostile. The message is one line naming the file and the problem.
 */
public final class ElfReadException extends Exception {

    private final Path file;
    private final String problem;
    private final boolean notElf;

    public ElfReadException(Path file, String problem) {
        this(file, problem, false);
    }

    ElfReadException(Path file, String problem, boolean notElf) {
        super(file + ": " + problem);
        this.file = file;
        this.problem = problem;
        this.notElf = notElf;
    }

    public Path file() {
        return file;
    }

    public String problem() {
        return problem;
    }

    /** True when the file is simply not ELF (no magic number), as opposed to a broken ELF file. */
    public boolean notElf() {
        return notElf;
    }
}
