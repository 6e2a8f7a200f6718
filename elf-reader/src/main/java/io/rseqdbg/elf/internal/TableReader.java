package io.rseqdbg.elf.internal;

import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.elf.ElfImage;
import io.rseqdbg.elf.ElfImage.Section;
import io.rseqdbg.elf.ExitPoint;
import io.rseqdbg.elf.Problem;
import io.rseqdbg.elf.internal.Relocations.Range;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Reads the rseq table sections of one file into critical sections:
 * <ul>
 *   <li>{@code __rseq_cs} and the legacy {@code __rseq_table}: arrays of 32-byte {@code struct rseq_cs}
 *       {u32 version; u32 flags; u64 start_ip; u64 post_commit_offset; u64 abort_ip};</li>
 *   <li>{@code __rseq_cs_ptr_array}: one 64-bit pointer per descriptor;</li>
 *   <li>{@code __rseq_exit_point_array}: {u64 start_ip; u64 exit_ip} pairs.</li>
 * </ul>
 * In ELF32 files each 64-bit field is a 32-bit value plus a zero word, ordered by the file's
 * endianness. A descriptor reachable both from an array of descriptors and from the pointer
 * array is one critical section.
 */
public final class TableReader {

    public static final String RSEQ_CS = "__rseq_cs";
    public static final String RSEQ_TABLE = "__rseq_table";
    public static final String PTR_ARRAY = "__rseq_cs_ptr_array";
    public static final String EXIT_POINTS = "__rseq_exit_point_array";
    static final int DESCRIPTOR_SIZE = 32;
    private static final int FIELD = 8;

    /** A descriptor as found, before naming; {@code *Field} are the addresses of its pointer fields. */
    record Descriptor(long address, String section, int version, int flags, long start, long offset, long abort,
                      long startField, long abortField) {
    }

    public record Result(List<CriticalSection> criticalSections, List<ExitPoint> exitPoints, List<Problem> problems) {
    }

    private final ElfImage image;
    private final AddressSpace memory;
    private final List<Problem> problems = new ArrayList<>();
    private Relocations relocations;

    private TableReader(ElfImage image) {
        this.image = image;
        this.memory = AddressSpace.of(image);
    }

    public static Result read(ElfImage image) {
        return new TableReader(image).read();
    }

    private Result read() {
        List<Section> arrays = sections(RSEQ_CS, RSEQ_TABLE);
        List<Section> pointers = sections(PTR_ARRAY);
        List<Section> exits = sections(EXIT_POINTS);
        List<Range> ranges = new ArrayList<>();
        for (Section s : image.sections()) {
            if (arrays.contains(s) || pointers.contains(s) || exits.contains(s)) {
                ranges.add(new Range(s.address(), s.size()));
            }
        }
        relocations = Relocations.read(image, memory, ranges);

        Map<Long, Descriptor> descriptors = new LinkedHashMap<>();
        for (Section s : arrays) {
            for (long at = s.address(), n = entries(s, DESCRIPTOR_SIZE); n > 0; n--, at += DESCRIPTOR_SIZE) {
                Descriptor d = descriptor(at, s.name());
                if (d != null) {
                    descriptors.putIfAbsent(at, d);
                }
            }
        }
        List<Long> outside = new ArrayList<>();
        List<Long> slots = new ArrayList<>();
        for (Section s : pointers) {
            for (long at = s.address(), n = entries(s, FIELD); n > 0; n--, at += FIELD) {
                Long target = field(at);
                if (target == null) {
                    problems.add(new Problem(Problem.Kind.DANGLING_POINTER, at, "pointer slot " + Hex.of(at) + " in "
                            + s.name() + " is not in the loaded image"));
                    continue;
                }
                long slot = at;
                checkRelocated(slot, () -> s.name() + " entry " + Hex.of(slot));
                if (!descriptors.containsKey(target)) {
                    outside.add(target);
                    slots.add(at);
                }
            }
        }
        if (!outside.isEmpty()) {
            // Descriptors only the pointer array knows (e.g. in .data): their fields need relocations too.
            List<Range> more = new ArrayList<>(ranges);
            outside.forEach(a -> more.add(new Range(a, DESCRIPTOR_SIZE)));
            relocations = Relocations.read(image, memory, more);
            for (int i = 0; i < outside.size(); i++) {
                long target = outside.get(i);
                String where = image.sectionContaining(target).map(Section::name).orElse("?");
                Descriptor d = descriptor(target, where);
                if (d == null) {
                    problems.add(new Problem(Problem.Kind.DANGLING_POINTER, slots.get(i), PTR_ARRAY + " entry "
                            + Hex.of(slots.get(i)) + " points to " + Hex.of(target) + ", outside the loaded image"));
                } else {
                    descriptors.putIfAbsent(target, d);
                }
            }
        }

        List<ExitPoint> exitPoints = new ArrayList<>();
        for (Section s : exits) {
            for (long at = s.address(), n = entries(s, 2 * FIELD); n > 0; n--, at += 2 * FIELD) {
                Long start = field(at);
                Long exit = field(at + FIELD);
                if (start == null || exit == null) {
                    problems.add(new Problem(Problem.Kind.DANGLING_POINTER, at, EXIT_POINTS + " entry " + Hex.of(at)
                            + " is not in the loaded image"));
                    continue;
                }
                long entry = at;
                checkRelocated(entry, () -> EXIT_POINTS + " entry " + Hex.of(entry) + " start_ip");
                checkRelocated(entry + FIELD, () -> EXIT_POINTS + " entry " + Hex.of(entry) + " exit_ip");
                exitPoints.add(new ExitPoint(start, exit, at));
            }
        }
        List<CriticalSection> sections = name(descriptors.values(), exitPoints);
        KernelChecks checks = new KernelChecks(image, memory);
        Map<Long, CriticalSection> byDescriptor = new java.util.HashMap<>();
        sections.forEach(c -> byDescriptor.put(c.descriptor(), c));
        for (Descriptor d : descriptors.values()) {
            CriticalSection cs = byDescriptor.get(d.address());
            problems.addAll(checks.descriptor(cs));
            checkRelocated(d.startField(), () -> cs.name() + " (descriptor " + Hex.of(d.address()) + ") start_ip");
            checkRelocated(d.abortField(), () -> cs.name() + " (descriptor " + Hex.of(d.address()) + ") abort_ip");
        }
        problems.addAll(checks.exitPoints(exitPoints, sections));
        return new Result(sections, List.copyOf(exitPoints), List.copyOf(problems));
    }

    private List<CriticalSection> name(Iterable<Descriptor> descriptors, List<ExitPoint> exitPoints) {
        Symbols symbols;
        try {
            symbols = Symbols.of(image);
        } catch (Malformed e) {
            symbols = null; // names are a convenience: a broken symbol table leaves addresses unnamed
        }
        Map<Long, List<Long>> exitsByStart = new TreeMap<>();
        for (ExitPoint e : exitPoints) {
            exitsByStart.computeIfAbsent(e.start(), k -> new ArrayList<>()).add(e.exit());
        }
        List<CriticalSection> out = new ArrayList<>();
        for (Descriptor d : descriptors) {
            int sectionIndex = image.sectionContaining(d.start()).map(Section::index).orElse(-1);
            String name = symbols == null ? null : symbols.nameOf(d.start(), sectionIndex);
            List<Long> exits = new ArrayList<>(exitsByStart.getOrDefault(d.start(), List.of()));
            exits.sort(Long::compareUnsigned);
            out.add(new CriticalSection(d.start(), d.offset(), d.abort(), exits, name == null ? Hex.of(d.start()) : name,
                    d.section(), image.architecture(), d.version(), d.flags(), d.address()));
        }
        out.sort((a, b) -> a.start() != b.start() ? Long.compareUnsigned(a.start(), b.start())
                : Long.compareUnsigned(a.descriptor(), b.descriptor()));
        return List.copyOf(out);
    }

    private List<Section> sections(String... names) {
        List<Section> out = new ArrayList<>();
        for (Section s : image.sections()) {
            for (String n : names) {
                if (s.name().equals(n)) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** Whole entries in a table section; its contents must be in the file, which bounds the count. */
    private long entries(Section s, int entrySize) {
        if (!s.holdsFileBytes()) {
            if (s.size() != 0) {
                problems.add(new Problem(Problem.Kind.TABLE_SIZE, s.address(), "section " + s.name()
                        + " has no contents in the file"));
            }
            return 0;
        }
        image.checkContents(s);
        if (s.size() % entrySize != 0) {
            problems.add(new Problem(Problem.Kind.TABLE_SIZE, s.address(), "section " + s.name() + " is "
                    + s.size() + " bytes, not a whole number of " + entrySize + "-byte entries"));
        }
        return s.size() / entrySize;
    }

    private Descriptor descriptor(long address, String section) {
        byte[] raw = memory.read(address, DESCRIPTOR_SIZE);
        if (raw == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(image.byteOrder());
        return new Descriptor(address, section, b.getInt(0), b.getInt(4), field(b, address, 8), field(b, address, 16),
                field(b, address, 24), address + 8, address + 24);
    }

    private Long field(long address) {
        byte[] raw = memory.read(address, FIELD);
        return raw == null ? null : field(ByteBuffer.wrap(raw).order(image.byteOrder()), address, 0);
    }

    /** A 64-bit table field; in ELF32 the 32-bit value word is relocated and the other word is kept as is. */
    private long field(ByteBuffer b, long base, int at) {
        if (image.is64()) {
            return relocations.valueAt(base + at, b.getLong(at));
        }
        boolean little = image.byteOrder() == ByteOrder.LITTLE_ENDIAN;
        int valueAt = little ? at : at + 4;
        long value = relocations.valueAt(base + valueAt, b.getInt(valueAt) & 0xffffffffL) & 0xffffffffL;
        long upper = b.getInt(little ? at + 4 : at) & 0xffffffffL;
        return value | upper << 32;
    }

    private long valueWord(long fieldAddress) {
        return image.is64() || image.byteOrder() == ByteOrder.LITTLE_ENDIAN ? fieldAddress : fieldAddress + 4;
    }

    /** In a position-independent file, a pointer no relocation covers still holds its link-time value at run time. */
    private void checkRelocated(long fieldAddress, Supplier<String> what) {
        long word = valueWord(fieldAddress);
        if (image.type() == ElfImage.ET_DYN && !relocations.covers(word)) {
            problems.add(new Problem(Problem.Kind.UNRELOCATED, fieldAddress, what.get() + " at " + Hex.of(word)
                    + " is not covered by any relocation: at run time it keeps its link-time value"));
        }
    }
}
