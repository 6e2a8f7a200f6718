package io.rseqdbg.elf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.elf.Specimens.Build;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every build of the specimen: the reader's values against readelf's view of the same file. */
class RseqTablesTest {

    @ParameterizedTest
    @EnumSource(Build.class)
    void criticalSectionsMatchTheSymbolsTheSpecimenDefinesAtEachLabel(Build build) throws Exception {
        Path file = build.path();
        Map<String, Long> symbols = Readelf.symbols(file);
        RseqTables tables = RseqTables.read(file);

        List<String> expected = build.criticalSections();
        assertEquals(expected.size(), tables.criticalSections().size(), tables.criticalSections().toString());
        for (String n : expected) {
            long start = symbols.get(n + "_start");
            CriticalSection cs = tables.containing(start).orElseThrow(() -> new AssertionError(n + " not found"));
            assertEquals(start, cs.start(), n);
            assertEquals(symbols.get(n + "_post"), cs.postCommit(), n);
            assertEquals(symbols.get(n + "_abort"), cs.abort(), n);
            assertEquals(symbols.get(n + "_cs"), cs.descriptor(), n);
            assertEquals(build.hasExitPoints() ? List.of(symbols.get(n + "_exit")) : List.of(), cs.exits(), n);
            assertEquals(n + "+" + (start - symbols.get(n)), cs.name());
            assertEquals(0, cs.version());
            assertEquals(0, cs.flags());
        }
    }

    @ParameterizedTest
    @EnumSource(Build.class)
    void wellFormedTablesHaveNoProblems(Build build) throws Exception {
        assertEquals(List.of(), RseqTables.read(build.path()).problems());
    }

    @ParameterizedTest
    @EnumSource(Build.class)
    void architectureClassAndByteOrderComeFromTheHeader(Build build) throws Exception {
        RseqTables tables = RseqTables.read(build.path());
        String header = Specimens.run(List.of("readelf", "-h", build.path().toString()));
        assertEquals(header.contains("ELF64"), tables.is64());
        assertEquals(header.contains("big endian") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN, tables.byteOrder());
        String machine = header.lines().filter(l -> l.contains("Machine:")).findFirst().orElseThrow();
        Architecture expected = machine.contains("X86-64") ? Architecture.X86_64
                : machine.contains("80386") ? Architecture.I386
                : machine.contains("AArch64") ? Architecture.AARCH64
                : machine.contains("S/390") ? Architecture.S390
                : machine.contains("PowerPC") ? Architecture.PPC : Architecture.UNKNOWN;
        assertEquals(expected, tables.architecture());
        assertTrue(tables.criticalSections().stream().allMatch(cs -> cs.architecture() == expected));
        assertEquals(header.contains("DYN"), tables.positionIndependent());
    }

    @Test
    void descriptorsInRseqCsAndThePointerArrayAreOneCriticalSectionEach() throws Exception {
        Path file = Build.X86_64_PIE.path();
        RseqTables tables = RseqTables.read(file);
        // three pointers, two of them to __rseq_cs descriptors: three critical sections, not five
        assertEquals(3, tables.criticalSections().size());
        assertEquals(List.of("__rseq_cs", "__rseq_cs", ".data"),
                tables.criticalSections().stream().map(CriticalSection::section).toList());
    }

    @Test
    void lldLeavesTableWordsZeroOnDiskAndTheValuesComeFromRelocationAddends() throws Exception {
        Path file = Build.X86_64_LLD.path();
        long descriptor = Readelf.symbol(file, "cs_add_cs");
        byte[] startOnDisk = Readelf.bytes(file, "__rseq_cs", descriptor + 8, 8);
        assertArrayEquals(new byte[8], startOnDisk, "lld is expected to leave start_ip zero in the file");
        CriticalSection cs = RseqTables.read(file).containing(Readelf.symbol(file, "cs_add_start")).orElseThrow();
        assertEquals(descriptor, cs.descriptor());
    }

    @Test
    void legacyTableEntriesComeFromRseqTable() throws Exception {
        RseqTables tables = RseqTables.read(Build.X86_64_LEGACY.path());
        assertTrue(tables.criticalSections().stream().allMatch(cs -> cs.section().equals("__rseq_table")));
        assertEquals(List.of(), tables.exitPoints());
    }

    @Test
    void exitPointsAreListedWithTheirTableEntries() throws Exception {
        Path file = Build.X86_64_EXEC.path();
        List<ExitPoint> exits = RseqTables.read(file).exitPoints();
        assertEquals(3, exits.size());
        assertEquals(Readelf.symbol(file, "cs_add_start"), exits.get(0).start());
        assertEquals(Readelf.symbol(file, "cs_add_exit"), exits.get(0).exit());
    }

    @Test
    void containingIsFalseAtPostCommitAndTrueAtTheLastByteInside() throws Exception {
        Path file = Build.X86_64_EXEC.path();
        RseqTables tables = RseqTables.read(file);
        long post = Readelf.symbol(file, "cs_add_post");
        assertTrue(tables.containing(post - 1).isPresent());
        assertFalse(tables.containing(post).isPresent());
        assertFalse(tables.containing(Readelf.symbol(file, "cs_add_start") - 1).isPresent());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/bin/ls", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"})
    void systemBinariesHaveNoTablesAndNoProblems(String file) throws Exception {
        String sections = Specimens.run(List.of("readelf", "-SW", file));
        assertFalse(sections.contains("__rseq"), "readelf lists rseq sections in " + file);
        RseqTables tables = RseqTables.read(Path.of(file));
        assertEquals(List.of(), tables.criticalSections());
        assertEquals(List.of(), tables.problems());
    }
}
