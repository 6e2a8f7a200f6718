package io.rseqdbg.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.elf.ElfImage.Section;
import io.rseqdbg.elf.Specimens.Build;
import io.rseqdbg.elf.internal.AddressSpace;
import io.rseqdbg.elf.internal.Relocations;
import io.rseqdbg.elf.internal.Relocations.Range;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Which table words dynamic relocations cover, packed or not, against readelf -r on the same file. */
class RelocationsTest {

    @TempDir
    Path dir;

    private static final List<String> TABLES = List.of("__rseq_cs", "__rseq_cs_ptr_array", "__rseq_exit_point_array");

    @ParameterizedTest
    @EnumSource(value = Build.class, names = {"X86_64_PIE", "X86_64_RELR", "X86_64_LLD", "X86_64_LLD_RELR",
            "X86_64_SHARED", "X86_64_STATIC_PIE", "I386_PIE", "I386_SHARED_LLD", "AARCH64_PIE", "PPC_PIE", "S390X_PIE"})
    void coveredTableWordsAreExactlyThoseReadelfLists(Build build) throws Exception {
        Path file = build.path();
        ElfImage image = ElfImage.open(file);
        List<Range> ranges = image.sections().stream().filter(s -> TABLES.contains(s.name()))
                .map(s -> new Range(s.address(), s.size())).toList();
        Relocations relocations = Relocations.read(image, AddressSpace.of(image), ranges);

        Set<Long> expected = new TreeSet<>();
        for (long offset : Readelf.relocatedOffsets(file)) {
            if (ranges.stream().anyMatch(r -> Long.compareUnsigned(offset - r.start(), r.length()) < 0)) {
                expected.add(offset);
            }
        }
        Set<Long> actual = new TreeSet<>();
        int word = image.is64() ? 8 : 4;
        for (Section s : image.sections()) {
            if (TABLES.contains(s.name())) {
                for (long a = s.address(); a < s.address() + s.size(); a += word) {
                    if (relocations.covers(a)) {
                        actual.add(a);
                    }
                }
            }
        }
        assertTrue(!expected.isEmpty(), "readelf lists no table relocations in " + file);
        assertEquals(expected, actual);
    }

    @ParameterizedTest
    @EnumSource(value = Build.class, names = {"X86_64_RELR"})
    void gnuLdSplitsTableRelocationsBetweenRelaAndRelrAndBothAreRead(Build build) throws Exception {
        Path file = build.path();
        ElfImage image = ElfImage.open(file);
        List<Range> ranges = image.sections().stream().filter(s -> TABLES.contains(s.name()))
                .map(s -> new Range(s.address(), s.size())).toList();
        String listing = Specimens.run(List.of("readelf", "-rW", file.toString()));
        int relr = listing.indexOf("'.relr.dyn'");
        int rela = listing.indexOf("'.rela.dyn'");
        assertTrue(relr >= 0 && rela >= 0, listing);
        // the premise of this specimen: both kinds of section hold rseq table relocations
        assertTrue(tableOffsets(section(listing, relr), ranges) > 0, "no table word in .relr.dyn");
        assertTrue(tableOffsets(section(listing, rela), ranges) > 0, "no table word in .rela.dyn");
        assertEquals(List.of(), RseqTables.read(file).problems(), "every table pointer is covered");
    }

    private static String section(String listing, int from) {
        int next = listing.indexOf("Relocation section", from + 1);
        return listing.substring(from, next < 0 ? listing.length() : next);
    }

    private static long tableOffsets(String part, List<Range> ranges) {
        return part.lines().map(String::trim).filter(l -> l.matches("^[0-9a-f]{16}\\b.*"))
                .map(l -> Long.parseUnsignedLong(l.substring(0, 16), 16))
                .filter(o -> ranges.stream().anyMatch(r -> Long.compareUnsigned(o - r.start(), r.length()) < 0))
                .count();
    }

    @Test
    void aCorruptRelocationSectionForAnotherSectionDoesNotHideTheTables() throws Exception {
        // .rela.plt relocates .got.plt (sh_info, SHF_INFO_LINK): it cannot touch a table word.
        Path file = Build.X86_64_PIE.path();
        Path broken = withSectionContentsOutsideTheFile(file, ".rela.plt");
        RseqTables intact = RseqTables.read(file);
        RseqTables read = RseqTables.read(broken);
        assertEquals(intact.criticalSections(), read.criticalSections());
        assertEquals(intact.exitPoints(), read.exitPoints());
        assertEquals(List.of(), read.problems());
    }

    @Test
    void aCorruptRelocationSectionThatMayCoverTheTablesIsOneCleanError() throws Exception {
        Path broken = withSectionContentsOutsideTheFile(Build.X86_64_PIE.path(), ".rela.dyn");
        ElfReadException e = assertThrows(ElfReadException.class, () -> RseqTables.read(broken));
        assertTrue(e.problem().contains(".rela.dyn"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @ParameterizedTest(name = "i386 {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void tableWordsUnderSymbolRelocationsTakeTheSymbolsValue(boolean i386) throws Exception {
        Path library = Specimens.symbolic(i386);
        String listing = Specimens.run(List.of("readelf", "-rW", library.toString()));
        String type = i386 ? "R_386_32 " : "R_X86_64_64 ";
        assertTrue(listing.lines().anyMatch(l -> l.contains(type) && l.contains("sym_start")),
                "the premise: a " + type + "relocation against sym_start\n" + listing);
        RseqTables tables = RseqTables.read(library);
        assertEquals(1, tables.criticalSections().size(), tables.criticalSections().toString());
        CriticalSection cs = tables.criticalSections().get(0);
        assertEquals(Readelf.symbol(library, "sym_start"), cs.start());
        assertEquals(Readelf.symbol(library, "sym_post"), cs.postCommit());
        assertEquals(Readelf.symbol(library, "sym_abort"), cs.abort());
        assertEquals(Readelf.symbol(library, "sym_cs"), cs.descriptor());
        assertEquals(List.of(), tables.problems());
    }

    /** A copy of an ELF64 little-endian file whose section {@code name} has its sh_offset far past the end. */
    private Path withSectionContentsOutsideTheFile(Path file, String name) throws IOException {
        int index = -1;
        for (String line : Specimens.run(List.of("readelf", "-SW", file.toString())).split("\n")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\s*\\[\\s*(\\d+)]\\s+(\\S+)\\s").matcher(line);
            if (m.find() && m.group(2).equals(name)) {
                index = Integer.parseInt(m.group(1));
            }
        }
        assertTrue(index > 0, "readelf lists no " + name + " in " + file);
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = b.getLong(40);
        int shentsize = b.getShort(58) & 0xffff;
        b.putLong((int) (shoff + (long) index * shentsize + 24), 0x7fff0000L);
        Path copy = dir.resolve(file.getFileName() + "-broken-" + name.replace('.', '_'));
        Files.write(copy, bytes);
        return copy;
    }
}
