package io.rseqdbg.elf.internal;

import io.rseqdbg.elf.Architecture;
import io.rseqdbg.elf.ElfImage;
import io.rseqdbg.elf.ElfImage.Section;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Link-time values of the pointer-sized words that dynamic relocations cover, limited to the
 * address ranges asked for. A RELA entry carries its value in the addend (lld leaves the word in
 * the file zero); REL and packed RELR entries keep the addend in the word itself, so the bytes on
 * disk already hold the link-time value and only symbol relocations need a value here. Every
 * address-storing relocation, packed or not, is remembered as covering its word: in a
 * position-independent file a table pointer that no relocation covers is wrong at run time.
 * <p>
 * A relocation section that says which section it applies to (SHF_INFO_LINK, e.g.
 * {@code .rela.plt} for {@code .got.plt}) is read only if that section overlaps the ranges, so
 * damage there cannot make the tables unreadable.
 */
public final class Relocations {

    /** An address range {@code [start, start + length)}. */
    public record Range(long start, long length) {
    }

    /** Link-time values of RELA words and of REL symbol words. */
    private final LongMap values;
    /** Words an address-storing relocation covers that {@link #values} does not hold (REL, RELR). */
    private final LongMap covered;
    private final ElfImage image;
    private final Ranges ranges;
    private final AddressSpace memory;
    /** The symbol table each relocation section links to, by section index, read on first need. */
    private final Map<Integer, SymbolSection> symbolTables = new HashMap<>();

    private Relocations(ElfImage image, Ranges ranges, AddressSpace memory) {
        this.image = image;
        this.ranges = ranges;
        this.memory = memory;
        // At most one relocation per word of the ranges: sized for that up to a few MB, so that the
        // usual tables never rehash; and never above what the file's own entries could fill (a
        // section claiming gigabytes of table in a small file made every read allocate 18 MB).
        int word = image.is64() ? 8 : 4;
        int words = (int) Math.min(1 << 17, Math.min(ranges.totalLength(), image.bytes().size()) / word);
        this.values = new LongMap(words);
        this.covered = new LongMap(words);
    }

    /** Reads the allocated REL, RELA and RELR sections that can reach {@code ranges}, keeping the entries inside. */
    public static Relocations read(ElfImage image, AddressSpace memory, List<Range> ranges) {
        Relocations r = new Relocations(image, Ranges.of(ranges), memory);
        if (r.ranges.isEmpty()) {
            return r;
        }
        for (Section s : image.sections()) {
            if (!s.allocated()) {
                continue; // only dynamic relocations apply to the loaded image
            }
            if ((s.type() == ElfImage.SHT_RELA || s.type() == ElfImage.SHT_REL) && r.mayReach(s)) {
                r.readEntries(s);
            }
            if (s.type() == ElfImage.SHT_RELR) {
                r.readPacked(s);
            }
        }
        return r;
    }

    /** False only when the section names the one section it relocates and that one is outside the ranges. */
    private boolean mayReach(Section s) {
        List<Section> all = image.sections();
        if ((s.flags() & ElfImage.SHF_INFO_LINK) == 0 || s.info() <= 0 || s.info() >= all.size()) {
            return true;
        }
        Section target = all.get(s.info());
        return ranges.overlaps(target.address(), target.size());
    }

    private void readEntries(Section s) {
        RelocationSection entries = RelocationSection.of(image, s);
        Architecture arch = image.architecture();
        boolean is64 = image.is64();
        for (int i = 0, n = entries.count(); i < n; i++) {
            long offset = entries.offset(i);
            if (!ranges.contains(offset)) {
                continue;
            }
            Kind kind = kind(arch, is64, entries.type(i));
            if (kind == Kind.OTHER) {
                continue;
            }
            if (kind == Kind.RELATIVE) {
                if (entries.hasAddends()) {
                    values.put(offset, truncate(entries.addend(i)));
                } else {
                    covered.put(offset, 0);
                }
                continue;
            }
            SymbolSection symbols = linkedSymbols(s);
            int index = entries.symbol(i);
            if (symbols != null && index > 0 && index < symbols.count() && symbols.sectionIndex(index) != 0) {
                long addend = entries.hasAddends() ? entries.addend(i) : inPlace(offset);
                values.put(offset, truncate(symbols.value(index) + addend));
            } else {
                covered.put(offset, 0); // an undefined symbol: its value comes from another module
            }
        }
    }

    /** The relocated value of the word at {@code address}, or {@code onDisk} if no relocation covers it. */
    public long valueAt(long address, long onDisk) {
        return values.get(address, onDisk);
    }

    public boolean covers(long address) {
        return values.containsKey(address) || covered.containsKey(address);
    }

    /**
     * SHT_RELR: a word with bit 0 clear is the address of a relocated word; a word with bit 0 set
     * is a bitmap of the next 63 (or 31) words after the last address. All are RELATIVE.
     */
    private void readPacked(Section s) {
        int word = image.is64() ? 8 : 4;
        if (s.entrySize() != word || s.size() % word != 0) {
            throw new Malformed("section " + s.name() + ": entry size " + s.entrySize() + " and size " + s.size()
                    + " do not fit " + word + "-byte RELR entries");
        }
        Entries entries = Entries.of(image, s, word);
        int bitsPerMap = 8 * word - 1;
        long next = 0;
        for (int i = 0, n = entries.count(); i < n; i++) {
            long entry = entries.word(i, 0, image.is64());
            if ((entry & 1) == 0) {
                coverPacked(entry);
                next = entry + word;
            } else {
                for (int bit = 0; bit < bitsPerMap; bit++) {
                    if ((entry >>> (bit + 1) & 1) != 0) {
                        coverPacked(truncate(next + (long) bit * word));
                    }
                }
                next = truncate(next + (long) bitsPerMap * word);
            }
        }
    }

    private void coverPacked(long address) {
        if (ranges.contains(address)) {
            covered.put(address, 0);
        }
    }

    private long truncate(long value) {
        return image.is64() ? value : value & 0xffffffffL;
    }

    /** The addend of a REL entry: the word it relocates, as the file holds it. */
    private long inPlace(long address) {
        int size = image.is64() ? 8 : 4;
        if (!memory.mapped(address, size)) {
            return 0;
        }
        return image.is64() ? memory.u64(address) : memory.u32(address);
    }

    /** The symbol table a relocation section links to (sh_link), read on first need; null if none. */
    private SymbolSection linkedSymbols(Section relocationSection) {
        List<Section> all = image.sections();
        int link = relocationSection.link();
        if (link <= 0 || link >= all.size()) {
            return null;
        }
        return symbolTables.computeIfAbsent(link, k -> SymbolSection.of(image, all.get(k)));
    }

    private enum Kind { RELATIVE, ABSOLUTE, OTHER }

    /** Relocation types that store an address in a pointer-sized word, per architecture. */
    private static Kind kind(Architecture arch, boolean is64, int type) {
        return switch (arch) {
            case X86_64 -> type == 8 ? Kind.RELATIVE : type == 1 ? Kind.ABSOLUTE : Kind.OTHER;
            case I386 -> type == 8 ? Kind.RELATIVE : type == 1 ? Kind.ABSOLUTE : Kind.OTHER;
            case AARCH64 -> type == 1027 ? Kind.RELATIVE : type == 257 ? Kind.ABSOLUTE : Kind.OTHER;
            case ARM -> type == 23 ? Kind.RELATIVE : type == 2 ? Kind.ABSOLUTE : Kind.OTHER;
            case PPC -> type == 22 ? Kind.RELATIVE : type == 1 ? Kind.ABSOLUTE : Kind.OTHER;
            case PPC64 -> type == 22 ? Kind.RELATIVE : type == 38 ? Kind.ABSOLUTE : Kind.OTHER;
            case S390 -> type == 12 ? Kind.RELATIVE : type == (is64 ? 22 : 4) ? Kind.ABSOLUTE : Kind.OTHER;
            case RISCV -> type == 3 ? Kind.RELATIVE : type == (is64 ? 2 : 1) ? Kind.ABSOLUTE : Kind.OTHER;
            default -> Kind.OTHER;
        };
    }
}
