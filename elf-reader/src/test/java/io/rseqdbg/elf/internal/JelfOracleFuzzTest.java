package io.rseqdbg.elf.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.rseqdbg.elf.ElfImage;
import io.rseqdbg.elf.ElfImage.Section;
import io.rseqdbg.elf.ElfReadException;
import io.rseqdbg.elf.FuzzInputs;
import io.rseqdbg.fuzz.FuzzInput;
import io.rseqdbg.fuzz.Mutations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.fornwall.jelf.ElfFile;
import net.fornwall.jelf.ElfRelocationAddendSection;
import net.fornwall.jelf.ElfRelocationSection;
import net.fornwall.jelf.ElfSection;
import net.fornwall.jelf.ElfSectionHeader;
import net.fornwall.jelf.ElfStringTable;
import net.fornwall.jelf.ElfSymbol;
import net.fornwall.jelf.ElfSymbolTableSection;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * jelf (the ELF parser the design card names) as a differential oracle for the reader's own
 * parser: for every input jelf accepts, the reader agrees with it on the section headers (name,
 * type, offset, size), on the symbols of every {@code .symtab}/{@code .dynsym} (count, values,
 * names) and on the entry count of every REL and RELA section — or the difference is one of
 * jelf's documented limits (below, and README: Fuzzing). jelf throws unchecked exceptions of all
 * kinds on corrupt files: any exception means "jelf rejects", never a verdict.
 * <p>
 * jelf's limits, where its answer is not a verdict on the reader:
 * <ul>
 *   <li>it sizes arrays from the file's fields before reading them (a string table of
 *       {@code sh_size} bytes, {@code sh_size / sh_entsize} symbols): a file with a string, symbol,
 *       relocation, hash, note or dynamic section whose contents lie outside the file is not handed
 *       to it at all (it could exhaust the heap);</li>
 *   <li>it takes any {@code sh_entsize} and rounds {@code sh_size / sh_entsize} down, where the
 *       reader requires the ELF class's entry size and whole entries (it then names nothing from
 *       that table, or refuses a relocation table it needs): compared only where the entry size is
 *       the standard one;</li>
 *   <li>it finds a symbol table's names in the first section called {@code .strtab} (or
 *       {@code .dynstr}), the reader in the table's {@code sh_link}: names are compared where both
 *       are the same section;</li>
 *   <li>it decodes names in the platform's charset, the reader in UTF-8: names are compared where
 *       they are ASCII;</li>
 *   <li>it reads ELF files of any type (relocatable objects, core files), the reader executables
 *       and shared objects only;</li>
 *   <li>it looks at the section name table ({@code e_shstrndx}) only when a name is asked for,
 *       and a section with {@code sh_name} 0 has none: it reads a file whose name table index is
 *       out of range or names no string table, as long as no section has a name; the reader
 *       refuses such a file (found by fuzzing: the regression input in
 *       {@code JelfOracleFuzzTestInputs});</li>
 *   <li>it follows extended section numbering (counts in section header 0) only when both
 *       {@code e_shnum} is 0 and {@code e_shstrndx} is SHN_XINDEX, and never for
 *       {@code e_phnum}; the reader does as the gABI says for each field alone, and refuses a file
 *       whose section header 0 it then cannot read (found by fuzzing);</li>
 *   <li>it reads a section header table at file offset 0, over the ELF header; the reader
 *       refuses it (found by fuzzing);</li>
 *   <li>it reads section and program headers at whatever stride {@code e_shentsize} and
 *       {@code e_phentsize} say (0 included), the reader only at the ELF class's own size;</li>
 *   <li>it sign-extends ELF32 words: addresses, offsets, sizes and symbol values of 2 GiB and
 *       more come out negative (compared as unsigned 32-bit values);</li>
 *   <li>it has no SHT_RELR: packed relocations are compared with readelf in RelocationsTest;</li>
 *   <li>it reads {@code .hash} entries as 32-bit words, where s390x (and alpha) use 64-bit ones:
 *       it rejects the s390x PIE specimen;</li>
 *   <li>it allocates the buckets and chains a hash section's first words ask for: a file whose
 *       hash section claims more than its size is not handed to it.</li>
 * </ul>
 */
class JelfOracleFuzzTest {

    static final int MUTATIONS = 2_000;
    private static final Path NAME = Path.of("fuzz-input");

    static Stream<Arguments> specimens() {
        return FuzzInputs.specimens(false).stream().map(i -> Arguments.of(Named.of(i.name(), i.bytes())));
    }

    @MethodSource("specimens")
    @FuzzTest(maxExecutions = 100_000, maxDuration = "60m")
    @Timeout(30) // per input; while fuzzing, Jazzer's -timeout
    void readerAgreesWithJelfWhereJelfAccepts(byte[] input) {
        agreesWithJelf(input);
    }

    @Test
    void onEverySpecimenJelfAcceptsAndTheReaderAgreesOnEverySectionSymbolAndRelocation() {
        for (FuzzInput specimen : FuzzInputs.specimens(true)) {
            if (specimen.name().equals("S390X_PIE")) {
                // jelf reads .hash entries as 32-bit words; s390x's are 64-bit: it rejects the file
                assertNull(jelf(specimen.bytes()).view(), "jelf reads S390X_PIE now: compare it too");
                continue;
            }
            Parse jelf = jelf(specimen.bytes());
            assertNotNull(jelf.view(), specimen + ": jelf rejects it: " + jelf.why());
            Parse reader = reader(specimen.bytes());
            assertNotNull(reader.view(), specimen + ": " + reader.why());
            assertEquals(List.of(), differences(jelf.view(), reader.view()), specimen.name());
            assertFalse(jelf.view().symbols().isEmpty(), specimen + ": no symbol table compared");
            assertTrue(jelf.view().symbols().values().stream().mapToInt(List::size).sum() > 10,
                    specimen + ": fewer than 10 symbols compared");
        }
    }

    static Stream<Arguments> mutationBatches() {
        // Not S390X_PIE: jelf rejects it whole (its 64-bit .hash entries), so nothing would be compared.
        // Not the static builds (~1 MB, thousands of symbols jelf names one section scan each): the
        // reader's own fuzz test mutates them, and the specimen test above compares them whole.
        List<FuzzInput> seeds = FuzzInputs.specimens(false).stream().filter(i -> !i.name().equals("S390X_PIE")).toList();
        return Mutations.bySeed(seeds, FuzzInputs.mutations(seeds, MUTATIONS, 34));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mutationBatches")
    void onMutatedSpecimensTheReaderAgreesWithJelfWhereJelfAccepts(String seed, List<FuzzInput> mutations) {
        Map<Outcome, Integer> outcomes = new java.util.EnumMap<>(Outcome.class);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (FuzzInput m : mutations) {
                try {
                    outcomes.merge(agreesWithJelf(m.bytes()), 1, Integer::sum);
                } catch (AssertionError e) {
                    throw new AssertionError(m.name() + ": " + e.getMessage(), e);
                }
            }
        });
        // Most mutations leave a file both read: the oracle has compared something real.
        int compared = outcomes.getOrDefault(Outcome.COMPARED, 0);
        assertTrue(compared >= mutations.size() / 4, seed + ": " + outcomes);
        System.out.println("jelf oracle " + seed + ": " + outcomes);
    }

    enum Outcome { COMPARED, JELF_REJECTS, READER_STRICTER }

    /** The property; says whether there was anything to compare. */
    static Outcome agreesWithJelf(byte[] input) {
        Parse jelf = jelf(input);
        if (jelf.view() == null) {
            return Outcome.JELF_REJECTS; // no verdict
        }
        Parse reader = reader(input);
        if (reader.view() == null) {
            assertTrue(readerMayRefuseWhatJelfReads(reader.why()) || extendedNumbering(input),
                    "jelf reads the file, the reader refuses it: " + reader.why());
            return Outcome.READER_STRICTER;
        }
        assertEquals(List.of(), differences(jelf.view(), reader.view()));
        return Outcome.COMPARED;
    }

    /** e_shnum 0, e_shstrndx or e_phnum 0xffff: counts in section header 0, which jelf mostly ignores. */
    static boolean extendedNumbering(byte[] input) {
        if (input.length < 52 || input[4] == 2 && input.length < 64) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(input).order(input[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int at = input[4] == 2 ? 54 : 42;
        return (b.getShort(at + 6) & 0xffff) == 0 || (b.getShort(at + 8) & 0xffff) == 0xffff
                || (b.getShort(at + 2) & 0xffff) == 0xffff;
    }

    /** Files jelf reads and the reader refuses, by design (see the class comment). */
    static boolean readerMayRefuseWhatJelfReads(String why) {
        return why.contains("is not an executable or shared object") || why.contains(" header entry size ")
                || why.contains("section name table") || why.contains("section headers at file offset 0");
    }

    // ---- the two views of one file ----

    record Header(int index, String name, int type, long offset, long size) {
    }

    record Symbol(String name, long value) {
    }

    /** Section headers; symbols by symbol-table section index; entry counts by REL/RELA section index. */
    record View(List<Header> sections, Map<Integer, List<Symbol>> symbols, Map<Integer, Integer> relocations) {
    }

    /** A view, or null and why not. */
    record Parse(View view, String why) {
    }

    /** What jelf reads, or null when it rejects the file (any exception) or is not asked (see above). */
    static Parse jelf(byte[] input) {
        try {
            ElfFile f = ElfFile.from(input);
            if (f.e_shnum < 0) {
                return new Parse(null, "negative section count");
            }
            RawHeaders raw = new RawHeaders(input, f);
            for (int i = 0; i < f.e_shnum; i++) {
                if (raw.contentsOutsideFile(i)) {
                    return new Parse(null, "not asked: section " + i + " claims contents outside the file");
                }
            }
            for (int i = 0; i < f.e_phnum; i++) {
                f.getProgramHeader(i); // accepting the file means reading all of it
            }
            long word = f.is32Bits() ? 0xffffffffL : -1L; // jelf sign-extends ELF32 words
            List<Header> sections = new ArrayList<>();
            Map<Integer, List<Symbol>> symbols = new LinkedHashMap<>();
            Map<Integer, Integer> relocations = new LinkedHashMap<>();
            for (int i = 0; i < f.e_shnum; i++) {
                ElfSection s = f.getSection(i);
                ElfSectionHeader h = s.header;
                String name = i == 0 ? "" : h.getName();
                sections.add(new Header(i, name == null ? "" : name, h.sh_type, h.sh_offset & word, h.sh_size & word));
                if (s instanceof ElfSymbolTableSection table && standardEntries(h, f.is32Bits() ? 16 : 24)) {
                    ElfStringTable names = h.sh_type == ElfSectionHeader.SHT_SYMTAB ? f.getStringTable()
                            : f.getDynamicStringTable();
                    boolean sameNames = names != null && h.sh_link >= 0 && h.sh_link < f.e_shnum
                            && f.getSection(h.sh_link) == names;
                    List<Symbol> list = new ArrayList<>();
                    for (ElfSymbol sym : table.symbols) {
                        list.add(new Symbol(sameNames ? ascii(sym.getName()) : null, sym.st_value & word));
                    }
                    symbols.put(i, list);
                } else if (s instanceof ElfRelocationSection rel && standardEntries(h, f.is32Bits() ? 8 : 16)) {
                    relocations.put(i, rel.relocations.length);
                } else if (s instanceof ElfRelocationAddendSection rela && standardEntries(h, f.is32Bits() ? 12 : 24)) {
                    relocations.put(i, rela.relocations.length);
                }
            }
            return new Parse(new View(sections, symbols, relocations), "");
        } catch (Exception | StackOverflowError e) {
            return new Parse(null, "jelf rejects: " + e);
        }
    }

    private static boolean standardEntries(ElfSectionHeader h, int entrySize) {
        return h.sh_entsize == entrySize && h.sh_size % entrySize == 0;
    }

    /** A name where both decode it alike (ASCII), else null: not compared. */
    private static String ascii(String name) {
        return name == null ? "" : name.chars().allMatch(c -> c < 0x80) ? name : null;
    }

    /** What the reader reads, or null and its one-line reason when it refuses the file. */
    static Parse reader(byte[] input) {
        ElfImage image;
        try {
            image = ElfImage.of(NAME, ByteBuffer.wrap(input));
        } catch (ElfReadException e) {
            return new Parse(null, e.getMessage());
        }
        List<Section> all = image.sections();
        List<Header> sections = new ArrayList<>();
        Map<Integer, List<Symbol>> symbols = new LinkedHashMap<>();
        Map<Integer, Integer> relocations = new LinkedHashMap<>();
        for (Section s : all) {
            sections.add(new Header(s.index(), s.name(), s.type(), s.offset(), s.size()));
            try {
                if (s.type() == ElfImage.SHT_SYMTAB || s.type() == ElfImage.SHT_DYNSYM) {
                    symbols.put(s.index(), symbols(image, s));
                } else if (s.type() == ElfImage.SHT_REL || s.type() == ElfImage.SHT_RELA) {
                    relocations.put(s.index(), RelocationSection.of(image, s).count());
                }
            } catch (Malformed e) {
                // refuses this table: compared below only if jelf read it
            }
        }
        return new Parse(new View(sections, symbols, relocations), "");
    }

    /** Values and names of a symbol table, as the reader's Symbols decodes them (names from sh_link). */
    private static List<Symbol> symbols(ElfImage image, Section table) {
        SymbolSection entries = SymbolSection.of(image, table);
        List<Section> all = image.sections();
        Section strings = table.link() > 0 && table.link() < all.size() ? all.get(table.link()) : null;
        List<Symbol> out = new ArrayList<>();
        for (int i = 0; i < entries.count(); i++) {
            long nameOffset = entries.nameOffset(i);
            String name = null;
            if (nameOffset == 0) {
                name = "";
            } else if (strings != null && strings.holdsFileBytes()) {
                name = image.bytes().cString(strings.offset() + nameOffset, strings.size() - nameOffset);
            }
            out.add(new Symbol(name == null ? null : ascii(name), entries.value(i)));
        }
        return out;
    }

    /** Every way the reader's view contradicts jelf's; names only where both could be compared. */
    static List<String> differences(View jelf, View reader) {
        List<String> out = new ArrayList<>();
        if (!jelf.sections().equals(reader.sections())) {
            int n = Math.max(jelf.sections().size(), reader.sections().size());
            for (int i = 0; i < n; i++) {
                Header a = i < jelf.sections().size() ? jelf.sections().get(i) : null;
                Header b = i < reader.sections().size() ? reader.sections().get(i) : null;
                if (a == null || !a.equals(b)) {
                    out.add("section " + i + ": jelf " + a + ", reader " + b);
                }
            }
        }
        jelf.symbols().forEach((index, expected) -> {
            List<Symbol> actual = reader.symbols().get(index);
            if (actual == null) {
                out.add("section " + index + ": jelf reads " + expected.size() + " symbols, the reader refuses the table");
                return;
            }
            if (actual.size() != expected.size()) {
                out.add("section " + index + ": " + expected.size() + " symbols (jelf), " + actual.size() + " (reader)");
                return;
            }
            for (int i = 0; i < expected.size(); i++) {
                Symbol e = expected.get(i);
                Symbol a = actual.get(i);
                boolean namesComparable = e.name() != null && a.name() != null;
                if (e.value() != a.value() || namesComparable && !e.name().equals(a.name())) {
                    out.add("section " + index + " symbol " + i + ": jelf " + e + ", reader " + a);
                }
            }
        });
        jelf.relocations().forEach((index, expected) -> {
            Integer actual = reader.relocations().get(index);
            if (!expected.equals(actual)) {
                out.add("section " + index + ": " + expected + " relocations (jelf), "
                        + (actual == null ? "refused" : actual) + " (reader)");
            }
        });
        return out;
    }

    /**
     * Section header fields read straight from the bytes, where jelf will read them (its own
     * e_shoff and e_shentsize), to keep from jelf the sections it would size arrays by.
     */
    private static final class RawHeaders {

        /** Types jelf reads the contents of when it reads the header: string, symbol, relocation, hash, note, dynamic. */
        private static final java.util.Set<Integer> MATERIALIZED = java.util.Set.of(2, 3, 4, 5, 6, 7, 9, 11, 0x6ffffff6);

        private final ByteBuffer bytes;
        private final boolean is64;
        private final long shoff;
        private final int shentsize;

        RawHeaders(byte[] input, ElfFile f) {
            this.bytes = ByteBuffer.wrap(input).order(f.ei_data == ElfFile.DATA_MSB ? ByteOrder.BIG_ENDIAN
                    : ByteOrder.LITTLE_ENDIAN);
            this.is64 = !f.is32Bits();
            this.shoff = f.e_shoff;
            this.shentsize = f.e_shentsize;
        }

        /**
         * True when section {@code i}'s header is readable and jelf would size an allocation by its
         * contents that the file cannot hold: contents outside the file, or hash counts beyond them.
         */
        boolean contentsOutsideFile(int i) {
            long at = shoff + (long) i * shentsize;
            int length = is64 ? 64 : 40;
            if (at < 0 || at > bytes.capacity() - length) {
                return false; // jelf fails reading the header itself
            }
            int type = bytes.getInt((int) at + 4);
            long offset = is64 ? bytes.getLong((int) at + 24) : bytes.getInt((int) at + 16) & 0xffffffffL;
            long size = is64 ? bytes.getLong((int) at + 32) : bytes.getInt((int) at + 20) & 0xffffffffL;
            if (!MATERIALIZED.contains(type)) {
                return false; // jelf keeps only the header of other sections
            }
            if (offset < 0 || size < 0 || offset > bytes.capacity() || size > bytes.capacity() - offset) {
                return true;
            }
            // Hash tables: jelf allocates as many buckets and chains as their first words say.
            if (type == 5 || type == 0x6ffffff6) {
                if (size < 16) {
                    return true;
                }
                long buckets = bytes.getInt((int) offset) & 0xffffffffL;
                long second = bytes.getInt((int) offset + (type == 5 ? 4 : 8)) & 0xffffffffL; // chains, bloom words
                return 4 * buckets + (type == 5 ? 4 : 8) * second > size;
            }
            return false;
        }
    }
}
