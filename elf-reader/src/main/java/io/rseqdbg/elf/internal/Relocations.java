package io.rseqdbg.elf.internal;

import io.rseqdbg.elf.Architecture;
import io.rseqdbg.elf.ElfImage;
import io.rseqdbg.elf.ElfImage.Section;
import io.rseqdbg.elf.internal.JelfTables.RelocationEntry;
import io.rseqdbg.elf.internal.JelfTables.SymbolEntry;
import java.util.List;

/**
 * Link-time values of the pointer-sized words that dynamic relocations cover, limited to the
 * address ranges asked for. A RELA entry carries its value in the addend (lld leaves the word in
 * the file zero); REL and packed RELR entries keep the addend in the word itself, so the bytes on
 * disk already hold the link-time value and only symbol relocations need a value here. Every
 * address-storing relocation, packed or not, is remembered as covering its word: in a
 * position-independent file a table pointer that no relocation covers is wrong at run time.
 */
public final class Relocations {

    /** An address range {@code [start, start + length)}. */
    public record Range(long start, long length) {

        boolean contains(long a) {
            return Long.compareUnsigned(a - start, length) < 0;
        }
    }

    /** Link-time values of RELA words and of REL symbol words. */
    private final LongMap values = new LongMap();
    /** Every word an address-storing relocation covers (value unused). */
    private final LongMap covered = new LongMap();
    private final ElfImage image;
    private final List<Range> ranges;
    private final AddressSpace memory;
    private List<SymbolEntry> dynamicSymbols;

    private Relocations(ElfImage image, List<Range> ranges, AddressSpace memory) {
        this.image = image;
        this.ranges = ranges;
        this.memory = memory;
    }

    /** Reads every allocated REL, RELA and RELR section, keeping the entries inside {@code ranges}. */
    public static Relocations read(ElfImage image, AddressSpace memory, List<Range> ranges) {
        Relocations r = new Relocations(image, ranges, memory);
        if (ranges.isEmpty()) {
            return r;
        }
        for (Section s : image.sections()) {
            if (!s.allocated()) {
                continue; // only dynamic relocations apply to the loaded image
            }
            if (s.type() == ElfImage.SHT_RELA || s.type() == ElfImage.SHT_REL) {
                for (RelocationEntry e : image.jelf().relocations(s)) {
                    if (r.wanted(e.offset())) {
                        r.apply(s, e);
                    }
                }
            }
            if (s.type() == ElfImage.SHT_RELR) {
                r.readPacked(s);
            }
        }
        return r;
    }

    /** The relocated value of the word at {@code address}, or {@code onDisk} if no relocation covers it. */
    public long valueAt(long address, long onDisk) {
        int i = values.indexOf(address);
        return i < 0 ? onDisk : values.valueAt(i);
    }

    public boolean covers(long address) {
        return covered.indexOf(address) >= 0;
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
        image.checkContents(s);
        FileBytes b = image.bytes();
        int bitsPerMap = 8 * word - 1;
        long next = 0;
        for (long at = s.offset(); at < s.offset() + s.size(); at += word) {
            long entry = b.word(at, image.is64());
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
        if (wanted(address)) {
            covered.put(address, 0);
        }
    }

    private boolean wanted(long address) {
        for (Range range : ranges) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private void apply(Section section, RelocationEntry e) {
        Kind kind = kind(image.architecture(), image.is64(), e.type());
        if (kind == Kind.OTHER) {
            return;
        }
        covered.put(e.offset(), 0);
        if (kind == Kind.RELATIVE) {
            if (e.hasAddend()) {
                values.put(e.offset(), truncate(e.addend()));
            }
            return;
        }
        SymbolEntry symbol = symbol(section, e.symbol());
        if (symbol != null && symbol.sectionIndex() != 0) {
            long addend = e.hasAddend() ? e.addend() : inPlace(e.offset());
            values.put(e.offset(), truncate(symbol.value() + addend));
        }
    }

    private long truncate(long value) {
        return image.is64() ? value : value & 0xffffffffL;
    }

    private long inPlace(long address) {
        int size = image.is64() ? 8 : 4;
        byte[] word = memory.read(address, size);
        if (word == null) {
            return 0;
        }
        FileBytes b = new FileBytes(java.nio.ByteBuffer.wrap(word), image.byteOrder());
        return b.word(0, image.is64());
    }

    private SymbolEntry symbol(Section relocationSection, int index) {
        if (dynamicSymbols == null) {
            int link = relocationSection.link();
            List<Section> all = image.sections();
            dynamicSymbols = link > 0 && link < all.size() ? image.jelf().symbols(all.get(link)) : List.of();
        }
        return index > 0 && index < dynamicSymbols.size() ? dynamicSymbols.get(index) : null;
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
