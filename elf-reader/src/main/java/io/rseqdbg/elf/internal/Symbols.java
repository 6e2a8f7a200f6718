package io.rseqdbg.elf.internal;

import io.rseqdbg.elf.ElfImage;
import io.rseqdbg.elf.ElfImage.Section;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * Names link-time addresses as {@code symbol+offset} from {@code .symtab}, or {@code .dynsym} when
 * the file is stripped. The symbol whose extent holds the address wins (a function before an
 * object before an untyped symbol; among equals the innermost, and among aliases a global before
 * a weak before a local one); an address no extent holds takes
 * the nearest label of unknown extent (size 0) before it in the same section, as gdb names code
 * in hand-written assembly. Else there is no name.
 * <p>
 * Built for a lookup per traced instruction: symbols sorted by address in primitive arrays, a
 * binary search, and a walk back that stops as soon as no earlier symbol can reach the address.
 * Names are decoded from the string table on first use.
 */
public final class Symbols {

    private static final int STT_NOTYPE = 0;
    private static final int STT_OBJECT = 1;
    private static final int STT_FUNC = 2;
    private static final int STT_GNU_IFUNC = 10;
    private static final int STB_LOCAL = 0;
    private static final int STB_GLOBAL = 1;
    private static final int SHN_LORESERVE = 0xff00;
    private static final long SHF_TLS = 0x400;
    /** A walk back longer than this only happens below a symbol that spans most of the file. */
    private static final int MAX_WALK = 1024;

    /** No symbols at all. */
    public static final Symbols NONE = new Symbols(null, 0, 0, new long[0], new long[0], new int[0], new int[0],
            new byte[0], new long[0], new long[0], new int[0]);

    private final FileBytes bytes;
    private final long stringsOffset;
    private final long stringsSize;
    /** Per symbol, ascending by value (unsigned). */
    private final long[] values;
    private final long[] sizes;
    private final int[] sections;
    private final int[] nameOffsets;
    /** Preference among symbols covering one address: 3 x type (function, object, untyped) + binding. */
    private final byte[] ranks;
    /** {@code reach[i]}: the highest end (unsigned) of symbols 0..i; nothing before i+1 covers an address >= it. */
    private final long[] reach;
    private final String[] names;
    /** Allocated sections ascending by address, to tell which section a label and an address are in. */
    private final long[] sectionStarts;
    private final long[] sectionSizes;
    private final int[] sectionIndexes;

    private Symbols(FileBytes bytes, long stringsOffset, long stringsSize, long[] values, long[] sizes, int[] sections,
                    int[] nameOffsets, byte[] ranks, long[] sectionStarts, long[] sectionSizes, int[] sectionIndexes) {
        this.bytes = bytes;
        this.stringsOffset = stringsOffset;
        this.stringsSize = stringsSize;
        this.values = values;
        this.sizes = sizes;
        this.sections = sections;
        this.nameOffsets = nameOffsets;
        this.ranks = ranks;
        this.names = new String[values.length];
        this.reach = new long[values.length];
        long highest = 0;
        for (int i = 0; i < values.length; i++) {
            long end = values[i] + sizes[i];
            if (Long.compareUnsigned(end, values[i]) < 0) {
                end = -1L; // wraps: reaches the top of the address space
            }
            highest = Long.compareUnsigned(end, highest) > 0 ? end : highest;
            reach[i] = highest;
        }
        this.sectionStarts = sectionStarts;
        this.sectionSizes = sectionSizes;
        this.sectionIndexes = sectionIndexes;
    }

    /**
     * The symbols of {@code image}, read on the first call of the returned supplier (from any
     * thread, once). A corrupt symbol table gives {@link #NONE}: names are a convenience.
     */
    public static Supplier<Symbols> lazy(ElfImage image) {
        return new Supplier<>() {
            private volatile Symbols symbols;

            @Override
            public Symbols get() {
                Symbols s = symbols;
                if (s == null) {
                    synchronized (this) {
                        s = symbols;
                        if (s == null) {
                            try {
                                s = of(image);
                            } catch (RuntimeException e) {
                                s = NONE;
                            }
                            symbols = s;
                        }
                    }
                }
                return s;
            }
        };
    }

    /** Reads {@code .symtab}, else {@code .dynsym}; throws {@link Malformed} when it is corrupt. */
    public static Symbols of(ElfImage image) {
        Section table = first(image, ElfImage.SHT_SYMTAB);
        if (table == null) {
            table = first(image, ElfImage.SHT_DYNSYM);
        }
        if (table == null) {
            return NONE;
        }
        List<Section> all = image.sections();
        if (table.link() <= 0 || table.link() >= all.size() || all.get(table.link()).type() != ElfImage.SHT_STRTAB) {
            throw new Malformed("section " + table.name() + ": string table link " + table.link() + " is not a string table");
        }
        Section strings = all.get(table.link());
        image.checkContents(strings);
        FileBytes bytes = image.bytes();

        SymbolSection entries = SymbolSection.of(image, table);
        int count = entries.count();
        int n = 0;
        long[] values = new long[count];
        long[] sizes = new long[count];
        int[] sections = new int[count];
        int[] nameOffsets = new int[count];
        byte[] ranks = new byte[count];
        boolean[] allocatedByIndex = new boolean[all.size()];
        for (Section s : all) {
            allocatedByIndex[s.index()] = s.allocated();
        }
        for (int i = 0; i < count; i++) {
            if (usable(entries, i, allocatedByIndex, strings, bytes)) {
                values[n] = entries.value(i);
                sizes[n] = entries.size(i);
                sections[n] = entries.sectionIndex(i);
                nameOffsets[n] = (int) entries.nameOffset(i);
                ranks[n] = rank(entries.type(i), entries.binding(i));
                n++;
            }
        }
        int[] order = IndexSort.byUnsigned(values, n);
        List<Section> allocated = new ArrayList<>();
        for (Section s : all) {
            if (s.allocated() && s.size() != 0 && (s.flags() & SHF_TLS) == 0) {
                allocated.add(s);
            }
        }
        allocated.sort((a, b) -> Long.compareUnsigned(a.address(), b.address()));
        return new Symbols(bytes, strings.offset(), strings.size(), permute(values, order), permute(sizes, order),
                permute(sections, order), permute(nameOffsets, order), permute(ranks, order),
                allocated.stream().mapToLong(Section::address).toArray(),
                allocated.stream().mapToLong(Section::size).toArray(),
                allocated.stream().mapToInt(Section::index).toArray());
    }

    /** Named code or data in an allocated section; not a mapping symbol ($x, $d) of ARM and AArch64. */
    private static boolean usable(SymbolSection entries, int i, boolean[] allocated, Section strings, FileBytes bytes) {
        int type = entries.type(i);
        boolean codeOrData = type == STT_NOTYPE || type == STT_OBJECT || type == STT_FUNC || type == STT_GNU_IFUNC;
        long nameOffset = entries.nameOffset(i);
        if (!codeOrData || nameOffset == 0 || Long.compareUnsigned(nameOffset, strings.size()) >= 0) {
            return false;
        }
        int index = entries.sectionIndex(i);
        if (index == 0 || index >= SHN_LORESERVE || index >= allocated.length || !allocated[index]) {
            return false;
        }
        int first = bytes.u8(strings.offset() + nameOffset);
        return first != 0 && first != '$';
    }

    private static byte rank(int type, int binding) {
        int typeRank = type == STT_FUNC || type == STT_GNU_IFUNC ? 2 : type == STT_OBJECT ? 1 : 0;
        int bindingRank = binding == STB_GLOBAL ? 2 : binding == STB_LOCAL ? 0 : 1; // weak between
        return (byte) (typeRank * 3 + bindingRank);
    }

    private static Section first(ElfImage image, int type) {
        return image.sections().stream().filter(s -> s.type() == type).findFirst().orElse(null);
    }

    /** How many usable symbols the table has. */
    public int size() {
        return values.length;
    }

    /**
     * The value of the first usable symbol named {@code name} (a global before a weak or local
     * one), or empty. A linear scan: for the few well-known names a tool looks up once per file.
     */
    public OptionalLong addressOf(String name) {
        int best = -1;
        for (int i = 0; i < values.length; i++) {
            if (name.equals(name(i)) && (best < 0 || ranks[i] % 3 > ranks[best] % 3)) {
                best = i;
            }
        }
        return best < 0 ? OptionalLong.empty() : OptionalLong.of(values[best]);
    }

    /** {@code symbol+offset} (decimal offset, as gdb prints it), {@code symbol} at offset 0, or null. */
    public String nameOf(long address) {
        int last = lastAtOrBefore(address);
        if (last < 0) {
            return null;
        }
        int best = -1;
        for (int i = last, walked = 0; i >= 0 && walked < MAX_WALK && Long.compareUnsigned(reach[i], address) > 0;
                i--, walked++) {
            boolean covers = Long.compareUnsigned(address - values[i], sizes[i]) < 0;
            if (covers && (best < 0 || better(i, best)) && name(i) != null) {
                best = i;
            }
        }
        if (best < 0 && sizes[last] == 0 && sections[last] == sectionOf(address) && name(last) != null) {
            best = last; // a label of unknown extent: everything up to the next symbol is its
        }
        if (best < 0) {
            return null;
        }
        long offset = address - values[best];
        return offset == 0 ? name(best) : name(best) + "+" + Long.toUnsignedString(offset);
    }

    /**
     * Whether symbol {@code i}, found after {@code best} walking down (so never higher), names an
     * address both cover better: a stronger type, or the same type at the same address (an alias)
     * with a stronger binding. Else the innermost symbol stays.
     */
    private boolean better(int i, int best) {
        int type = ranks[i] / 3;
        int bestType = ranks[best] / 3;
        return type > bestType || type == bestType && values[i] == values[best] && ranks[i] > ranks[best];
    }

    /** The highest index whose value is at or below {@code address}; -1 if none. */
    private int lastAtOrBefore(long address) {
        int lo = 0;
        int hi = values.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(values[mid], address) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The section index holding {@code address}, or -1. */
    private int sectionOf(long address) {
        int lo = 0;
        int hi = sectionStarts.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(sectionStarts[mid], address) <= 0) {
                if (Long.compareUnsigned(address - sectionStarts[mid], sectionSizes[mid]) < 0) {
                    return sectionIndexes[mid];
                }
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return -1;
    }

    /** The symbol's name, or null when it is unterminated (a corrupt string table). */
    private String name(int i) {
        String name = names[i];
        if (name == null) {
            long offset = nameOffsets[i] & 0xffffffffL;
            name = bytes.cString(stringsOffset + offset, stringsSize - offset);
            if (name == null) {
                return null;
            }
            names[i] = name; // a benign race: every thread decodes the same immutable String
        }
        return name;
    }

    private static long[] permute(long[] a, int[] order) {
        long[] out = new long[order.length];
        for (int i = 0; i < order.length; i++) {
            out[i] = a[order[i]];
        }
        return out;
    }

    private static int[] permute(int[] a, int[] order) {
        int[] out = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            out[i] = a[order[i]];
        }
        return out;
    }

    private static byte[] permute(byte[] a, int[] order) {
        byte[] out = new byte[order.length];
        for (int i = 0; i < order.length; i++) {
            out[i] = a[order[i]];
        }
        return out;
    }
}
