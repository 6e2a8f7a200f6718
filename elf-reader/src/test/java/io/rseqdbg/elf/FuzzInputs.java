package io.rseqdbg.elf;

import io.rseqdbg.elf.Specimens.Build;
import io.rseqdbg.fuzz.FuzzInput;
import io.rseqdbg.fuzz.Mutations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Inputs for the fuzz targets: the real ELF files the other tests build (every {@link Build}, and
 * the symbol-relocation libraries), and deterministic mutations of them — seeded random bit flips,
 * truncations, and corruption aimed at the fields a parser sizes or places things by (header
 * counts and offsets, section and program header fields, symbol and relocation entries, the rseq
 * tables) with the values that break parsers (0, all ones, 2^31, 4 GiB, the file's length).
 * Public for the oracle test in the internal package.
 */
public final class FuzzInputs {

    /** The specimens, small (dynamically linked, a few KiB) first; the static builds (~1 MB) when asked for. */
    public static List<FuzzInput> specimens(boolean withStatic) {
        List<FuzzInput> out = new ArrayList<>();
        for (Build b : Build.values()) {
            if (withStatic || !b.name().contains("STATIC")) {
                out.add(new FuzzInput(b.name(), read(b.path())));
            }
        }
        out.add(new FuzzInput("symbolic.so", read(Specimens.symbolic(false))));
        out.add(new FuzzInput("symbolic-i386.so", read(Specimens.symbolic(true))));
        out.add(new FuzzInput("unnamed", read(Specimens.unnamed())));
        return out;
    }

    /** {@code count} mutations of {@code seeds} ({@link #mutate}), the same ones every run for the same {@code randomSeed}. */
    public static List<FuzzInput> mutations(List<FuzzInput> seeds, int count, long randomSeed) {
        return Mutations.of(seeds, count, randomSeed, FuzzInputs::mutate);
    }

    /** One to three mutations of a copy of {@code original}, each described in {@code what}. */
    static byte[] mutate(byte[] original, Random random, StringBuilder what) {
        byte[] b = original.clone();
        int rounds = 1 + random.nextInt(3);
        for (int round = 0; round < rounds && b.length > 0; round++) {
            int choice = random.nextInt(10);
            if (choice < 2) {
                int flips = 1 + random.nextInt(8);
                for (int k = 0; k < flips; k++) {
                    int at = random.nextInt(b.length);
                    int bit = random.nextInt(8);
                    b[at] ^= (byte) (1 << bit);
                    what.append(" flip ").append(at).append('.').append(bit);
                }
            } else if (choice < 3) {
                int length = random.nextInt(b.length);
                b = Arrays.copyOf(b, length);
                what.append(" truncate ").append(length);
            } else {
                List<Field> fields = fields(b);
                if (fields.isEmpty()) {
                    continue;
                }
                Field f = fields.get(random.nextInt(fields.size()));
                long value = interesting(random, b.length);
                put(b, f, value);
                what.append(' ').append(f.what()).append('=').append(Long.toUnsignedString(value));
            }
        }
        return b;
    }

    /** A field of {@code size} bytes at {@code offset}, in the file's byte order. */
    record Field(String what, int offset, int size, ByteOrder order) {
    }

    private static final long[] INTERESTING = {0, 1, 2, 0x7f, 0x80, 0xff, 0xffff, 0x7fff, 0x8000, 0x7fffffffL,
            0x80000000L, 0xffffffffL, 0x1_0000_0000L, Long.MAX_VALUE, Long.MIN_VALUE, -1L, -8L, 8, 16, 24, 32, 64};

    private static long interesting(Random random, int length) {
        return switch (random.nextInt(4)) {
            case 0 -> length + random.nextInt(17) - 8L;
            case 1 -> random.nextLong();
            default -> INTERESTING[random.nextInt(INTERESTING.length)];
        };
    }

    private static void put(byte[] b, Field f, long value) {
        if (f.offset() < 0 || f.offset() + f.size() > b.length) {
            return;
        }
        ByteBuffer buffer = ByteBuffer.wrap(b).order(f.order());
        switch (f.size()) {
            case 1 -> buffer.put(f.offset(), (byte) value);
            case 2 -> buffer.putShort(f.offset(), (short) value);
            case 4 -> buffer.putInt(f.offset(), (int) value);
            default -> buffer.putLong(f.offset(), value);
        }
    }

    /**
     * The fields worth corrupting, found by walking the (still intact enough) headers: ELF header
     * counts and offsets, every section and program header field, and entries of the symbol,
     * relocation and rseq sections.
     */
    static List<Field> fields(byte[] file) {
        List<Field> out = new ArrayList<>();
        if (file.length < 64 || file[4] != 1 && file[4] != 2) {
            return out;
        }
        boolean is64 = file[4] == 2;
        ByteOrder order = file[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        ByteBuffer b = ByteBuffer.wrap(file).order(order);
        int word = is64 ? 8 : 4;
        out.add(new Field("e_ident[class]", 4, 1, order));
        out.add(new Field("e_ident[data]", 5, 1, order));
        out.add(new Field("e_type", 16, 2, order));
        out.add(new Field("e_machine", 18, 2, order));
        out.add(new Field("e_phoff", is64 ? 32 : 28, word, order));
        out.add(new Field("e_shoff", is64 ? 40 : 32, word, order));
        int at = is64 ? 54 : 42;
        String[] counts = {"e_phentsize", "e_phnum", "e_shentsize", "e_shnum", "e_shstrndx"};
        for (int i = 0; i < counts.length; i++) {
            out.add(new Field(counts[i], at + 2 * i, 2, order));
        }
        long phoff = is64 ? b.getLong(32) : b.getInt(28) & 0xffffffffL;
        long shoff = is64 ? b.getLong(40) : b.getInt(32) & 0xffffffffL;
        int phnum = b.getShort(at + 2) & 0xffff;
        int shentsize = b.getShort(at + 4) & 0xffff;
        int shnum = b.getShort(at + 6) & 0xffff;
        int phentsize = is64 ? 56 : 32;
        for (int i = 0; i < phnum && phoff + (long) (i + 1) * phentsize <= file.length; i++) {
            int p = (int) (phoff + (long) i * phentsize);
            out.add(new Field("phdr" + i + ".p_type", p, 4, order));
            out.add(new Field("phdr" + i + ".p_offset", p + (is64 ? 8 : 4), word, order));
            out.add(new Field("phdr" + i + ".p_vaddr", p + (is64 ? 16 : 8), word, order));
            out.add(new Field("phdr" + i + ".p_filesz", p + (is64 ? 32 : 16), word, order));
            out.add(new Field("phdr" + i + ".p_memsz", p + (is64 ? 40 : 20), word, order));
        }
        if (shentsize != (is64 ? 64 : 40)) {
            return out;
        }
        for (int i = 0; i < shnum && shoff + (long) (i + 1) * shentsize <= file.length; i++) {
            int s = (int) (shoff + (long) i * shentsize);
            String n = "shdr" + i;
            out.add(new Field(n + ".sh_name", s, 4, order));
            out.add(new Field(n + ".sh_type", s + 4, 4, order));
            out.add(new Field(n + ".sh_flags", s + 8, word, order));
            out.add(new Field(n + ".sh_addr", s + (is64 ? 16 : 12), word, order));
            out.add(new Field(n + ".sh_offset", s + (is64 ? 24 : 16), word, order));
            out.add(new Field(n + ".sh_size", s + (is64 ? 32 : 20), word, order));
            out.add(new Field(n + ".sh_link", s + (is64 ? 40 : 24), 4, order));
            out.add(new Field(n + ".sh_info", s + (is64 ? 44 : 28), 4, order));
            out.add(new Field(n + ".sh_entsize", s + (is64 ? 56 : 36), word, order));
            long offset = is64 ? b.getLong(s + 24) : b.getInt(s + 16) & 0xffffffffL;
            long size = is64 ? b.getLong(s + 32) : b.getInt(s + 20) & 0xffffffffL;
            int type = b.getInt(s + 4);
            long flags = is64 ? b.getLong(s + 8) : b.getInt(s + 8);
            boolean writableData = type == 1 && (flags & 1) != 0; // PROGBITS, SHF_WRITE: the rseq tables, .data
            boolean entries = type == ElfImage.SHT_SYMTAB || type == ElfImage.SHT_DYNSYM || type == ElfImage.SHT_REL
                    || type == ElfImage.SHT_RELA || type == ElfImage.SHT_RELR || writableData;
            // A few words of the contents: symbol values and sizes, r_offset/r_info/r_addend, table pointers.
            for (long k = 0; entries && k < Math.min(size, 256) && offset >= 0 && offset + k + word <= file.length;
                    k += word) {
                out.add(new Field(n + "+" + k, (int) (offset + k), word, order));
            }
        }
        return out;
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private FuzzInputs() {
    }
}
