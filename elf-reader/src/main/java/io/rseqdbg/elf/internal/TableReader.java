package io.rseqdbg.elf.internal;

import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.elf.ElfImage;
import io.rseqdbg.elf.ElfImage.Section;
import io.rseqdbg.elf.ExitPoint;
import io.rseqdbg.elf.Problem;
import io.rseqdbg.elf.internal.Relocations.Range;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
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
    private final Supplier<Symbols> symbols;
    private final List<Problem> problems = new ArrayList<>();
    private Relocations relocations;
    /**
     * Entries all table sections together may still hold: table sections that do not overlap
     * cannot hold more than the file has bytes for (8 per entry at least). Thousands of headers
     * naming one range of the file would otherwise make billions of entries to walk.
     */
    private long entryBudget;
    private boolean overlapReported;

    private TableReader(ElfImage image, Supplier<Symbols> symbols) {
        this.image = image;
        this.memory = AddressSpace.of(image);
        this.symbols = symbols;
        this.entryBudget = image.bytes().size() / FIELD;
    }

    /** Reads the tables of {@code image}, naming critical sections from {@code symbols} (asked only if there are any). */
    public static Result read(ElfImage image, Supplier<Symbols> symbols) {
        return new TableReader(image, symbols).read();
    }

    private Result read() {
        List<Section> arrays = sections(RSEQ_CS, RSEQ_TABLE);
        List<Section> pointers = sections(PTR_ARRAY);
        List<Section> exits = sections(EXIT_POINTS);
        List<Range> ranges = new ArrayList<>();
        for (List<Section> tables : List.of(arrays, pointers, exits)) {
            for (Section s : tables) {
                ranges.add(new Range(s.address(), s.size()));
            }
        }
        relocations = Relocations.read(image, memory, ranges);

        List<Descriptor> descriptors = new ArrayList<>();
        LongMap known = new LongMap();
        for (Section s : arrays) {
            for (long at = s.address(), n = entries(s, DESCRIPTOR_SIZE); n > 0; n--, at += DESCRIPTOR_SIZE) {
                Descriptor d = descriptor(at, s.name());
                if (d != null && known.putIfAbsent(at, descriptors.size())) {
                    descriptors.add(d);
                }
            }
        }
        List<Long> outside = new ArrayList<>();
        List<Long> slots = new ArrayList<>();
        for (Section s : pointers) {
            for (long at = s.address(), n = entries(s, FIELD); n > 0; n--, at += FIELD) {
                if (!memory.mapped(at, FIELD)) {
                    problems.add(new Problem(Problem.Kind.DANGLING_POINTER, at, "pointer slot " + Hex.of(at) + " in "
                            + s.name() + " is not in the loaded image"));
                    continue;
                }
                long target = field(at);
                long slot = at;
                checkRelocated(slot, () -> s.name() + " entry " + Hex.of(slot));
                if (!known.containsKey(target)) {
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
                } else if (known.putIfAbsent(target, descriptors.size())) {
                    descriptors.add(d);
                }
            }
        }

        List<ExitPoint> exitPoints = new ArrayList<>();
        for (Section s : exits) {
            for (long at = s.address(), n = entries(s, 2 * FIELD); n > 0; n--, at += 2 * FIELD) {
                if (!memory.mapped(at, 2 * FIELD)) {
                    problems.add(new Problem(Problem.Kind.DANGLING_POINTER, at, EXIT_POINTS + " entry " + Hex.of(at)
                            + " is not in the loaded image"));
                    continue;
                }
                long entry = at;
                checkRelocated(entry, () -> EXIT_POINTS + " entry " + Hex.of(entry) + " start_ip");
                checkRelocated(entry + FIELD, () -> EXIT_POINTS + " entry " + Hex.of(entry) + " exit_ip");
                exitPoints.add(new ExitPoint(field(at), field(at + FIELD), at));
            }
        }
        List<CriticalSection> sections = name(descriptors, exitPoints);
        KernelChecks checks = new KernelChecks(image, memory);
        for (int i = 0; i < descriptors.size(); i++) {
            Descriptor d = descriptors.get(i);
            CriticalSection cs = sections.get(i);
            problems.addAll(checks.descriptor(cs));
            checkRelocated(d.startField(), () -> cs.name() + " (descriptor " + Hex.of(d.address()) + ") start_ip");
            checkRelocated(d.abortField(), () -> cs.name() + " (descriptor " + Hex.of(d.address()) + ") abort_ip");
        }
        List<CriticalSection> byStart = new ArrayList<>(sections);
        byStart.sort((a, b) -> a.start() != b.start() ? Long.compareUnsigned(a.start(), b.start())
                : Long.compareUnsigned(a.descriptor(), b.descriptor()));
        problems.addAll(checks.exitPoints(exitPoints, byStart));
        return new Result(List.copyOf(byStart), List.copyOf(exitPoints), List.copyOf(problems));
    }

    /** One critical section per descriptor, in the same order, named and given the exit points of its start. */
    private List<CriticalSection> name(List<Descriptor> descriptors, List<ExitPoint> exitPoints) {
        long[] exitStarts = new long[exitPoints.size()];
        for (int i = 0; i < exitStarts.length; i++) {
            exitStarts[i] = exitPoints.get(i).start();
        }
        int[] byStart = IndexSort.byUnsigned(exitStarts, exitStarts.length);
        Symbols names = descriptors.isEmpty() ? Symbols.NONE : symbols.get();
        List<CriticalSection> out = new ArrayList<>(descriptors.size());
        for (Descriptor d : descriptors) {
            String name = names.nameOf(d.start());
            List<Long> exits = new ArrayList<>();
            for (int i = firstAtOrAfter(exitStarts, byStart, d.start()); i < byStart.length
                    && exitStarts[byStart[i]] == d.start(); i++) {
                exits.add(exitPoints.get(byStart[i]).exit());
            }
            exits.sort(Long::compareUnsigned);
            out.add(new CriticalSection(d.start(), d.offset(), d.abort(), exits, name == null ? Hex.of(d.start()) : name,
                    d.section(), image.architecture(), d.version(), d.flags(), d.address()));
        }
        return out;
    }

    /** The first position in {@code order} whose key is at or above {@code key} (unsigned). */
    private static int firstAtOrAfter(long[] keys, int[] order, long key) {
        int lo = 0;
        int hi = order.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(keys[order[mid]], key) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
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
        long count = s.size() / entrySize;
        if (count > entryBudget) {
            if (!overlapReported) {
                overlapReported = true;
                problems.add(new Problem(Problem.Kind.TABLE_SIZE, s.address(), "section " + s.name() + " (section "
                        + s.index() + ") overlaps other rseq table sections: together they claim more entries than "
                        + "the file has bytes for; it and any later such section were not read"));
            }
            return 0;
        }
        entryBudget -= count;
        return count;
    }

    private Descriptor descriptor(long address, String section) {
        if (!memory.mapped(address, DESCRIPTOR_SIZE)) {
            return null;
        }
        return new Descriptor(address, section, (int) memory.u32(address), (int) memory.u32(address + 4),
                field(address + 8), field(address + 16), field(address + 24), address + 8, address + 24);
    }

    /** A 64-bit table field at a mapped address; in ELF32 the 32-bit value word is relocated and the other word kept. */
    private long field(long address) {
        if (image.is64()) {
            return relocations.valueAt(address, memory.u64(address));
        }
        boolean little = image.byteOrder() == ByteOrder.LITTLE_ENDIAN;
        long valueAt = little ? address : address + 4;
        long value = relocations.valueAt(valueAt, memory.u32(valueAt)) & 0xffffffffL;
        long upper = memory.u32(little ? address + 4 : address);
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
