package io.rseqdbg.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.elf.ElfImage.Section;
import io.rseqdbg.elf.Specimens.Build;
import io.rseqdbg.elf.internal.AddressSpace;
import io.rseqdbg.elf.internal.Relocations;
import io.rseqdbg.elf.internal.Relocations.Range;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Which table words dynamic relocations cover, packed or not, against readelf -r on the same file. */
class RelocationsTest {

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
}
