package io.rseqdbg.elf.internal;

import io.rseqdbg.elf.ElfImage;
import io.rseqdbg.elf.ElfImage.Section;
import io.rseqdbg.elf.internal.JelfTables.SymbolEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * Names addresses as {@code symbol+offset} from {@code .symtab}, or {@code .dynsym} when the file is
 * stripped. The symbol whose extent contains the address wins (a function before a label); else
 * the nearest symbol before it in the same section, as gdb does for labels.
 */
public final class Symbols {

    private static final int STT_NOTYPE = 0;
    private static final int STT_OBJECT = 1;
    private static final int STT_FUNC = 2;
    private static final int STT_GNU_IFUNC = 10;
    private static final int SHN_LORESERVE = 0xff00;
    /** How far back a lookup walks among earlier symbols for one whose extent covers the address. */
    private static final int SCAN = 64;

    private record Named(long value, long size, int type, int sectionIndex, long nameOffset) {
    }

    private final FileBytes bytes;
    private final Section strings;
    private final Named[] sorted;

    private Symbols(FileBytes bytes, Section strings, Named[] sorted) {
        this.bytes = bytes;
        this.strings = strings;
        this.sorted = sorted;
    }

    public static Symbols of(ElfImage image) {
        Section table = first(image, ElfImage.SHT_SYMTAB);
        if (table == null) {
            table = first(image, ElfImage.SHT_DYNSYM);
        }
        if (table == null) {
            return new Symbols(image.bytes(), null, new Named[0]);
        }
        List<Section> all = image.sections();
        if (table.link() <= 0 || table.link() >= all.size() || all.get(table.link()).type() != ElfImage.SHT_STRTAB) {
            throw new Malformed("section " + table.name() + ": string table link " + table.link() + " is not a string table");
        }
        Section strings = all.get(table.link());
        image.checkContents(strings);
        List<Named> kept = new ArrayList<>();
        for (SymbolEntry s : image.jelf().symbols(table)) {
            boolean named = s.nameOffset() != 0;
            boolean located = s.sectionIndex() != 0 && s.sectionIndex() < SHN_LORESERVE;
            boolean codeOrData = s.type() == STT_NOTYPE || s.type() == STT_OBJECT || s.type() == STT_FUNC
                    || s.type() == STT_GNU_IFUNC;
            if (named && located && codeOrData) {
                kept.add(new Named(s.value(), s.size(), s.type(), s.sectionIndex(), s.nameOffset()));
            }
        }
        Named[] sorted = kept.toArray(new Named[0]);
        java.util.Arrays.sort(sorted, (a, b) -> Long.compareUnsigned(a.value(), b.value()));
        return new Symbols(image.bytes(), strings, sorted);
    }

    private static Section first(ElfImage image, int type) {
        return image.sections().stream().filter(s -> s.type() == type).findFirst().orElse(null);
    }

    /** {@code symbol+offset} (decimal offset, as gdb prints it), {@code symbol} at offset 0, or null. */
    public String nameOf(long address, int sectionIndex) {
        int last = lastAtOrBefore(address);
        Named best = null;
        for (int i = last; i >= 0 && i > last - SCAN; i--) {
            Named n = sorted[i];
            boolean covers = Long.compareUnsigned(address - n.value(), n.size()) < 0;
            if (covers && name(n) != null && (best == null || rank(n) > rank(best))) {
                best = n;
            }
        }
        if (best == null) {
            for (int i = last; i >= 0 && i > last - SCAN; i--) {
                Named n = sorted[i];
                if (n.sectionIndex() == sectionIndex && name(n) != null) {
                    best = n;
                    break;
                }
            }
        }
        if (best == null) {
            return null;
        }
        long offset = address - best.value();
        return offset == 0 ? name(best) : name(best) + "+" + Long.toUnsignedString(offset);
    }

    private static int rank(Named n) {
        return n.type() == STT_FUNC || n.type() == STT_GNU_IFUNC ? 2 : n.type() == STT_OBJECT ? 1 : 0;
    }

    private int lastAtOrBefore(long address) {
        int lo = 0;
        int hi = sorted.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(sorted[mid].value(), address) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The symbol's name, or null for an unusable one (unterminated, out of range, mapping symbols like $x). */
    private String name(Named n) {
        if (Long.compareUnsigned(n.nameOffset(), strings.size()) >= 0) {
            return null;
        }
        String name = bytes.cString(strings.offset() + n.nameOffset(), strings.size() - n.nameOffset());
        return name == null || name.isEmpty() || name.startsWith("$") ? null : name;
    }
}
