package io.rseqdbg.tests.elf;

import io.rseqdbg.tests.support.Binutils;
import io.rseqdbg.tests.support.Binutils.Relocation;
import io.rseqdbg.tests.support.Binutils.Section;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A file's rseq tables as binutils shows them: the section bytes of {@code readelf -x}, with the
 * addend of each RELA relocation {@code readelf -r} lists for a word in place of the word on disk
 * (lld leaves the word zero). REL and RELR keep the value in the word itself. In ELF32 every 64-bit
 * field is a 32-bit value and a zero word. Written apart from the reader, to check it.
 */
final class ExpectedTables {

    record Descriptor(long address, int version, int flags, long start, long postCommitOffset, long abort) {
    }

    record Exit(long entry, long start, long exit) {
    }

    static final String RSEQ_CS = "__rseq_cs";
    static final String RSEQ_TABLE = "__rseq_table";
    static final String PTR_ARRAY = "__rseq_cs_ptr_array";
    static final String EXIT_POINTS = "__rseq_exit_point_array";

    final Path file;
    final Binutils.Header header;
    final Map<String, Section> sections;
    final List<Relocation> relocations;
    /** RELA addends by the address of the word they relocate. */
    private final Map<Long, Long> addends = new HashMap<>();

    private ExpectedTables(Path file) {
        this.file = file;
        this.header = Binutils.header(file);
        this.sections = Binutils.sections(file);
        this.relocations = Binutils.relocations(file);
        for (Relocation r : relocations) {
            if (r.relative() && r.addend() != null) {
                addends.put(r.offset(), r.addend());
            }
        }
    }

    static ExpectedTables of(Path file) {
        return new ExpectedTables(file);
    }

    /** The section holding the descriptors: {@code __rseq_cs}, or the legacy {@code __rseq_table}; null if none. */
    String descriptorSection() {
        return sections.containsKey(RSEQ_CS) ? RSEQ_CS : sections.containsKey(RSEQ_TABLE) ? RSEQ_TABLE : null;
    }

    List<Descriptor> descriptors() {
        String name = descriptorSection();
        List<Descriptor> out = new ArrayList<>();
        if (name == null) {
            return out;
        }
        Section s = sections.get(name);
        ByteBuffer bytes = Binutils.wrap(Binutils.contents(file, name), header.order());
        for (int at = 0; at + 32 <= bytes.capacity(); at += 32) {
            out.add(new Descriptor(s.address() + at, bytes.getInt(at), bytes.getInt(at + 4), word(s, bytes, at + 8),
                    word(s, bytes, at + 16), word(s, bytes, at + 24)));
        }
        return out;
    }

    /** The descriptor addresses in {@code __rseq_cs_ptr_array}, in order. */
    List<Long> pointers() {
        return words(PTR_ARRAY);
    }

    List<Exit> exits() {
        List<Long> words = words(EXIT_POINTS);
        List<Exit> out = new ArrayList<>();
        if (!words.isEmpty()) {
            long base = sections.get(EXIT_POINTS).address();
            for (int i = 0; i + 1 < words.size(); i += 2) {
                out.add(new Exit(base + 8L * i, words.get(i), words.get(i + 1)));
            }
        }
        return out;
    }

    /** Relocations whose word lies in {@code section}. */
    List<Relocation> relocationsIn(String section) {
        Section s = sections.get(section);
        return s == null ? List.of() : relocations.stream().filter(r -> s.contains(r.offset())).toList();
    }

    private List<Long> words(String name) {
        List<Long> out = new ArrayList<>();
        Section s = sections.get(name);
        if (s == null) {
            return out;
        }
        ByteBuffer bytes = Binutils.wrap(Binutils.contents(file, name), header.order());
        for (int at = 0; at + 8 <= bytes.capacity(); at += 8) {
            out.add(word(s, bytes, at));
        }
        return out;
    }

    /** The 64-bit table field at {@code at} in section {@code s}, its RELA addend applied. */
    private long word(Section s, ByteBuffer bytes, int at) {
        if (header.is64()) {
            return addends.getOrDefault(s.address() + at, bytes.getLong(at));
        }
        boolean little = header.order() == ByteOrder.LITTLE_ENDIAN;
        int valueAt = little ? at : at + 4;
        long upper = bytes.getInt(little ? at + 4 : at) & 0xffffffffL;
        if (upper != 0) {
            throw new AssertionError(file + ": 32-bit table field at 0x" + Long.toHexString(s.address() + at)
                    + " has a non-zero upper word");
        }
        return addends.getOrDefault(s.address() + valueAt, bytes.getInt(valueAt) & 0xffffffffL) & 0xffffffffL;
    }
}
