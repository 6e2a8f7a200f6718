package io.rseqdbg.tests.stepper;

import io.rseqdbg.elf.ProcessDirectory;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a live program's executable code looks like next to its files: every byte of every
 * file-backed executable mapping, read through {@code /proc/PID/mem} and compared with the file.
 * A breakpoint rseqdbg left behind (an int3, 0xcc) shows as a difference.
 */
final class ProgramImage {

    /** One byte that differs: where, what the file has, what memory has. */
    record Difference(String file, long address, int inFile, int inMemory) {
        @Override
        public String toString() {
            return String.format("%s at 0x%x: file %02x, memory %02x", file, address, inFile, inMemory);
        }
    }

    private ProgramImage() {
    }

    /**
     * The differences in every executable mapping of {@code pid} backed by a regular file; throws
     * when the process is gone (the comparison would be empty, and a test must not take that for
     * a clean image).
     */
    static List<Difference> differences(long pid) throws IOException {
        List<Difference> found = new ArrayList<>();
        Path proc = ProcessDirectory.of(pid); // a live thread's, when the leader called pthread_exit
        List<String> maps = Files.readAllLines(proc.resolve("maps"));
        if (maps.isEmpty()) {
            throw new IOException("process " + pid + " has no mappings (gone or a zombie)");
        }
        try (RandomAccessFile memory = new RandomAccessFile(proc.resolve("mem").toFile(), "r")) {
            for (String line : maps) {
                String[] f = line.trim().split("\\s+", 6);
                if (f.length < 6 || f[1].charAt(2) != 'x' || !f[5].startsWith("/")) {
                    continue;
                }
                String[] range = f[0].split("-");
                long start = Long.parseUnsignedLong(range[0], 16);
                long end = Long.parseUnsignedLong(range[1], 16);
                long offset = Long.parseUnsignedLong(f[2], 16);
                compare(Path.of(f[5]), offset, memory, start, end - start, found);
            }
        }
        return found;
    }

    private static void compare(Path file, long offset, RandomAccessFile memory, long start, long length,
                                List<Difference> found) throws IOException {
        byte[] inFile;
        try (RandomAccessFile source = new RandomAccessFile(file.toFile(), "r")) {
            long available = Math.max(0, Math.min(length, source.length() - offset));
            inFile = new byte[(int) available];
            source.seek(offset);
            source.readFully(inFile);
        }
        byte[] inMemory = new byte[inFile.length];
        memory.seek(start);
        memory.readFully(inMemory);
        for (int i = 0; i < inFile.length; i++) {
            if (inFile[i] != inMemory[i]) {
                found.add(new Difference(file.toString(), start + i, inFile[i] & 0xff, inMemory[i] & 0xff));
            }
        }
    }
}
