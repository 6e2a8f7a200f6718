package io.rseqdbg.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.elf.Specimens.Build;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Truncated and corrupted copies of real specimens, at many offsets: every read ends in a result
 * or in {@link ElfReadException} with a one-line message naming the file; never another exception,
 * an error, or a hang.
 */
class HostileInputTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = Build.class, names = {"X86_64_PIE", "X86_64_RELR", "I386_PIE", "AARCH64_PIE", "PPC_PIE", "S390X_EXEC"})
    void truncatedAtAnyOffsetIsAResultOrOneCleanError(Build build) throws Exception {
        byte[] original = Files.readAllBytes(build.path());
        TreeSet<Integer> lengths = new TreeSet<>(List.of(0, 1, 4, 5, 16, 17, 24, 40, 52, 63, 64, original.length - 1));
        lengths.addAll(structureOffsets(original));
        for (int k = 1; k < 64; k++) {
            lengths.add(original.length * k / 64);
        }
        int errors = 0;
        for (int length : lengths) {
            if (length >= 0 && length < original.length) {
                errors += readCopy(java.util.Arrays.copyOf(original, length), "truncated to " + length) ? 0 : 1;
            }
        }
        assertTrue(errors > 0, "some truncations must be reported as errors");
    }

    enum Corruption {
        ALL_ONES(b -> (byte) 0xff),
        ZERO(b -> 0),
        HIGH_BIT(b -> (byte) (b ^ 0x80)),
        LOW_BIT(b -> (byte) (b ^ 0x01));

        final java.util.function.IntUnaryOperator change;

        Corruption(java.util.function.IntUnaryOperator change) {
            this.change = change;
        }
    }

    @ParameterizedTest
    @EnumSource(Corruption.class)
    void corruptedHeadersAndTablesAreAResultOrOneCleanError(Corruption corruption) throws Exception {
        for (Build build : List.of(Build.X86_64_PIE, Build.X86_64_RELR, Build.I386_PIE, Build.PPC_PIE)) {
            byte[] original = Files.readAllBytes(build.path());
            for (int offset : corruptionOffsets(original)) {
                byte[] copy = original.clone();
                // four bytes: enough to make a size, count or offset field absurd
                for (int i = offset; i < Math.min(copy.length, offset + 4); i++) {
                    copy[i] = (byte) corruption.change.applyAsInt(copy[i]);
                }
                readCopy(copy, build + " " + corruption + " at " + offset);
            }
        }
    }

    @Test
    void aMissingFileIsOneCleanError() {
        Path missing = dir.resolve("missing");
        ElfReadException e = assertThrows(ElfReadException.class, () -> RseqTables.read(missing));
        assertEquals(missing + ": no such file", e.getMessage());
    }

    @Test
    void aDirectoryIsOneCleanError() {
        ElfReadException e = assertThrows(ElfReadException.class, () -> RseqTables.read(dir));
        assertEquals(dir + ": is a directory", e.getMessage());
    }

    @Test
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFifoIsRefusedWithoutWaitingForAWriter() throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor());
        ElfReadException e = assertThrows(ElfReadException.class, () -> RseqTables.read(fifo));
        assertEquals(fifo + ": not a regular file (a FIFO)", e.getMessage());
    }

    @Test
    void aCharacterDeviceIsRefused() {
        Path devNull = Path.of("/dev/null");
        ElfReadException e = assertThrows(ElfReadException.class, () -> RseqTables.read(devNull));
        assertEquals("/dev/null: not a regular file (a character device)", e.getMessage());
    }

    @Test
    void aSymlinkToAnElfFileIsRead() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("link"), Build.X86_64_PIE.path());
        assertEquals(Build.X86_64_PIE.criticalSections().size(), RseqTables.read(link).criticalSections().size());
    }

    @Test
    void aTextFileIsNotElf() throws IOException {
        Path text = Files.writeString(dir.resolve("text"), "#!/bin/sh\necho hello\n");
        ElfReadException e = assertThrows(ElfReadException.class, () -> RseqTables.read(text));
        assertTrue(e.notElf());
    }

    @Test
    void aHugeSectionCountIsRefusedBeforeAnythingIsAllocated() throws Exception {
        byte[] copy = Files.readAllBytes(Build.X86_64_PIE.path());
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putShort(60, (short) 0xfff0);
        Path file = Files.write(dir.resolve("many-sections"), copy);
        ElfReadException e = assertThrows(ElfReadException.class, () -> RseqTables.read(file));
        assertTrue(e.problem().contains("section"), e.getMessage());
    }

    @Test
    void aSectionNameAtIndexZeroIsEmptyWhateverTheNameTableHoldsThere() throws Exception {
        byte[] copy = Files.readAllBytes(Build.X86_64_PIE.path());
        ByteBuffer b = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = b.getLong(40);
        int shstrndx = b.getShort(62);
        int names = (int) b.getLong((int) (shoff + 64L * shstrndx + 24));
        copy[names] = 'x'; // the table's first byte, NUL in every linker's output
        b.putInt((int) (shoff + 64), 0); // section 1: sh_name 0
        Path file = Files.write(dir.resolve("name-0"), copy);
        ElfImage image = ElfImage.open(file);
        assertEquals("", image.sections().get(1).name());
        assertEquals(Build.X86_64_PIE.criticalSections().size(), RseqTables.read(file).criticalSections().size());
    }

    /**
     * 32,000 section headers, each a __rseq_cs spanning the whole file: a walk of every section's
     * entries would read 2 billion descriptors. The file cannot hold more entries than its bytes.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void overlappingTableSectionsCostNoMoreThanTheFileHolds() throws Exception {
        byte[] original = Files.readAllBytes(Build.X86_64_PIE.path());
        ByteBuffer in = ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = in.getLong(40);
        int shnum = in.getShort(60);
        int count = 32_000;
        int rseqCs = -1;
        ElfImage image = ElfImage.open(Build.X86_64_PIE.path());
        for (ElfImage.Section s : image.sections()) {
            if (s.name().equals("__rseq_cs")) {
                rseqCs = s.index();
            }
        }
        assertTrue(rseqCs > 0);
        ElfImage.Segment data = image.loadSegments().get(image.loadSegments().size() - 1);
        int newShoff = original.length + 7 & ~7;
        int length = newShoff + 64 * count;
        ByteBuffer out = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(original);
        for (int i = 0; i < count; i++) {
            int at = newShoff + 64 * i;
            int from = (int) shoff + 64 * (i < shnum ? i : rseqCs);
            out.put(at, original, from, 64);
            if (i >= shnum) {
                out.putLong(at + 16, data.address()); // sh_addr: the data segment's start
                out.putLong(at + 24, 0); // sh_offset
                out.putLong(at + 32, length & ~31); // sh_size: the whole file
            }
        }
        out.putLong(40, newShoff);
        out.putShort(60, (short) count);
        Path file = Files.write(dir.resolve("overlapping"), out.array());
        long start = System.nanoTime();
        RseqTables tables = RseqTables.read(file);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 5_000, "took " + millis + " ms");
        assertTrue(tables.problems().stream().anyMatch(p -> p.kind() == Problem.Kind.TABLE_SIZE
                && p.message().contains("overlaps other rseq table sections")), tables.problems().toString());
    }

    /** Reads a copy; true when it produced tables, false for a clean ElfReadException. */
    private boolean readCopy(byte[] bytes, String what) throws IOException {
        Path file = Files.write(dir.resolve("copy"), bytes);
        try {
            return assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                try {
                    RseqTables.read(file);
                    return true;
                } catch (ElfReadException e) {
                    assertTrue(e.getMessage().startsWith(file + ": "), what + ": " + e.getMessage());
                    assertFalse(e.getMessage().contains("\n"), what + ": " + e.getMessage());
                    return false;
                } catch (Throwable t) {
                    throw new AssertionError(what + ": " + t, t);
                }
            }, what);
        } finally {
            Files.delete(file);
        }
    }

    /** Header fields, every section and program header, and the rseq, symbol and relocation sections. */
    private static List<Integer> corruptionOffsets(byte[] file) {
        List<Integer> out = new ArrayList<>();
        for (int i = 4; i < 64; i += 2) {
            out.add(i);
        }
        for (int at : structureOffsets(file)) {
            out.add(at);
        }
        return out;
    }

    /** Offsets of header fields (every 4 bytes) and of the first bytes of each section's contents. */
    private static List<Integer> structureOffsets(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(file[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        boolean is64 = file[4] == 2;
        long phoff = is64 ? b.getLong(32) : b.getInt(28) & 0xffffffffL;
        long shoff = is64 ? b.getLong(40) : b.getInt(32) & 0xffffffffL;
        int base = is64 ? 54 : 42;
        int phsize = b.getShort(base) & 0xffff;
        int phnum = b.getShort(base + 2) & 0xffff;
        int shsize = b.getShort(base + 4) & 0xffff;
        int shnum = b.getShort(base + 6) & 0xffff;
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < phnum * phsize; i += 4) {
            out.add((int) phoff + i);
        }
        for (int s = 0; s < shnum; s++) {
            int at = (int) shoff + s * shsize;
            for (int i = 0; i < shsize; i += is64 ? 8 : 4) {
                out.add(at + i);
            }
            long offset = is64 ? b.getLong(at + 24) : b.getInt(at + 16) & 0xffffffffL;
            long size = is64 ? b.getLong(at + 32) : b.getInt(at + 20) & 0xffffffffL;
            for (long i = 0; i < Math.min(size, 64); i += 8) {
                if (offset + i < file.length) {
                    out.add((int) (offset + i));
                }
            }
        }
        return out;
    }
}
