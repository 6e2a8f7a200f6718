package io.rseqdbg.tests.elf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.elf.Architecture;
import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.elf.ElfReadException;
import io.rseqdbg.elf.ExitPoint;
import io.rseqdbg.elf.RseqTables;
import io.rseqdbg.tests.elf.ExpectedTables.Descriptor;
import io.rseqdbg.tests.elf.ExpectedTables.Exit;
import io.rseqdbg.tests.support.Binutils;
import io.rseqdbg.tests.support.Binutils.Relocation;
import io.rseqdbg.tests.support.Binutils.Section;
import io.rseqdbg.tests.support.Binutils.Symbol;
import io.rseqdbg.tests.support.Targets;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every build of the runtime (tests/src/main/c/TARGETS.md) read by the ELF reader, against what
 * nm and readelf show in the same file.
 */
class RuntimeTargetTablesTest {

    /** TARGETS.md, "Critical sections in every runtime build": one c.s. in each. */
    static final Set<String> RUNTIME_FUNCTIONS = Set.of("percpu_counter_add", "percpu_counter_add_spin",
            "percpu_cmpstore", "percpu_add_on", "percpu_list_push", "percpu_list_pop", "percpu_membuf_append",
            "percpu_ring_reserve");

    private static final Map<String, RseqTables> READ = new ConcurrentHashMap<>();
    private static final Map<String, ExpectedTables> EXPECTED = new ConcurrentHashMap<>();

    /** Builds with tables. */
    static Stream<String> variants() {
        return Stream.of("counter", "counter-nopie", "counter-static", "libpercpu.so", "counter-legacy",
                "counter-noexit", "counter-lld", "counter-relr", "counter-i386", "counter-aarch64",
                "counter-c2", "counter-c2-i386", "counter-c2-aarch64");
    }

    static Stream<String> variantsWithPointerArray() {
        return variants().filter(v -> !v.equals("counter-legacy"));
    }

    static RseqTables read(String variant) {
        return READ.computeIfAbsent(variant, v -> {
            try {
                return RseqTables.read(Targets.path(v));
            } catch (ElfReadException e) {
                throw new AssertionError(e.getMessage(), e);
            }
        });
    }

    static ExpectedTables expected(String variant) {
        return EXPECTED.computeIfAbsent(variant, v -> ExpectedTables.of(Targets.path(v)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void criticalSectionsAreTheDescriptorsReadelfShows(String variant) {
        List<Descriptor> expected = expected(variant).descriptors().stream()
                .sorted(Comparator.comparing(Descriptor::start, Long::compareUnsigned)).toList();
        List<Descriptor> found = read(variant).criticalSections().stream()
                .map(cs -> new Descriptor(cs.descriptor(), cs.version(), cs.flags(), cs.start(), cs.postCommitOffset(),
                        cs.abort()))
                .toList();
        assertEquals(RUNTIME_FUNCTIONS.size(), expected.size(), "readelf's descriptors in " + variant);
        assertEquals(expected, found);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variantsWithPointerArray")
    void pointerArrayPointsAtTheSameDescriptors(String variant) {
        Set<Long> pointers = new TreeSet<>(expected(variant).pointers());
        Set<Long> descriptors = read(variant).criticalSections().stream().map(CriticalSection::descriptor)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(RUNTIME_FUNCTIONS.size(), pointers.size());
        assertEquals(pointers, descriptors);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void exitPointsAreTheEntriesReadelfShows(String variant) {
        List<Exit> found = read(variant).exitPoints().stream()
                .map(e -> new Exit(e.entry(), e.start(), e.exit())).toList();
        assertEquals(expected(variant).exits(), found);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void eachCriticalSectionListsTheExitPointsOfItsStart(String variant) {
        RseqTables tables = read(variant);
        for (CriticalSection cs : tables.criticalSections()) {
            List<Long> declared = tables.exitPoints().stream().filter(e -> e.start() == cs.start())
                    .map(ExitPoint::exit).sorted(Long::compareUnsigned).toList();
            assertEquals(declared, cs.exits(), cs.name());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void eachCriticalSectionIsNamedAfterTheFunctionNmPutsAroundIt(String variant) {
        List<Symbol> symbols = Binutils.symbols(Targets.path(variant));
        for (CriticalSection cs : read(variant).criticalSections()) {
            Symbol function = Binutils.functionContaining(symbols, cs.start())
                    .orElseThrow(() -> new AssertionError("nm has no function around " + cs));
            assertEquals(function.name() + "+" + (cs.start() - function.value()), cs.name());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void everyRuntimeFunctionHoldsExactlyOneCriticalSection(String variant) {
        List<String> functions = read(variant).criticalSections().stream()
                .map(cs -> cs.name().substring(0, cs.name().indexOf('+'))).sorted().toList();
        assertEquals(RUNTIME_FUNCTIONS.stream().sorted().toList(), functions);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void criticalSectionsNameTheTableSectionTheyCameFrom(String variant) {
        String section = expected(variant).descriptorSection();
        assertEquals(variant.equals("counter-legacy") ? ExpectedTables.RSEQ_TABLE : ExpectedTables.RSEQ_CS, section);
        assertTrue(read(variant).criticalSections().stream().allMatch(cs -> cs.section().equals(section)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void abortHandlersLieInRseqFailureBehindTheSignature(String variant) {
        ExpectedTables expected = expected(variant);
        Section failure = expected.sections.get("__rseq_failure");
        byte[] code = Binutils.contents(Targets.path(variant), "__rseq_failure");
        byte[] signature = variant.endsWith("-aarch64") ? new byte[] {0x00, (byte) 0xbc, 0x28, (byte) 0xd4}
                : new byte[] {0x53, 0x30, 0x05, 0x53};
        for (CriticalSection cs : read(variant).criticalSections()) {
            assertTrue(failure.contains(cs.abort()) && failure.contains(cs.abort() - 4), cs.name());
            int at = (int) (cs.abort() - failure.address());
            assertArrayEquals(signature, java.util.Arrays.copyOfRange(code, at - 4, at), cs.name());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void wellFormedTargetHasNoProblems(String variant) {
        assertEquals(List.of(), read(variant).problems());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void classByteOrderMachineAndPositionIndependenceMatchTheHeader(String variant) {
        Binutils.Header header = expected(variant).header;
        RseqTables tables = read(variant);
        assertEquals(header.is64(), tables.is64());
        assertEquals(ByteOrder.LITTLE_ENDIAN, tables.byteOrder());
        assertEquals(header.type().startsWith("DYN"), tables.positionIndependent());
        Architecture machine = header.machine().contains("X86-64") ? Architecture.X86_64
                : header.machine().contains("80386") ? Architecture.I386
                : header.machine().contains("AArch64") ? Architecture.AARCH64 : Architecture.UNKNOWN;
        assertEquals(machine, tables.architecture());
        assertTrue(tables.criticalSections().stream().allMatch(cs -> cs.architecture() == machine));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void containingFindsEachSectionUpToItsLastByteAndNotAtPostCommit(String variant) {
        RseqTables tables = read(variant);
        for (CriticalSection cs : tables.criticalSections()) {
            assertEquals(cs, tables.containing(cs.start()).orElseThrow());
            assertEquals(cs, tables.containing(cs.postCommit() - 1).orElseThrow());
            assertFalse(tables.containing(cs.postCommit()).isPresent(), cs.name());
            assertFalse(tables.containing(cs.start() - 1).isPresent(), cs.name());
        }
    }

    /** Exit points declared per runtime function. */
    private static Map<String, Integer> exitsPerFunction(String variant) {
        return read(variant).criticalSections().stream().collect(Collectors.toMap(
                cs -> cs.name().substring(0, cs.name().indexOf('+')), cs -> cs.exits().size()));
    }

    @ParameterizedTest(name = "{0} against {1}")
    @org.junit.jupiter.params.provider.CsvSource({"counter-c2, counter", "counter-c2-i386, counter-i386",
            "counter-c2-aarch64, counter-aarch64"})
    void compareTwiceChecksLeaveThroughDeclaredExitPoints(String c2, String plain) {
        // TARGETS.md: a compare-twice mismatch branches to a declared exit point, one per check:
        // cpu_id in every c.s., the compared word in every c.s. that compares one.
        Set<String> cpuCheckOnly = Set.of("percpu_counter_add", "percpu_add_on");
        Map<String, Integer> withChecks = exitsPerFunction(c2);
        Map<String, Integer> without = exitsPerFunction(plain);
        for (String function : RUNTIME_FUNCTIONS) {
            int checks = cpuCheckOnly.contains(function) ? 1 : 2;
            assertEquals(without.get(function) + checks, withChecks.get(function), function);
        }
    }

    @Test
    void positionIndependentTablesAreRelocatedWordByWord() {
        // Each pointer field of a PIE table needs a RELATIVE relocation; the reader reports any it misses.
        ExpectedTables counter = expected("counter");
        long relocated = counter.relocationsIn(ExpectedTables.RSEQ_CS).stream().filter(Relocation::relative).count();
        assertEquals(2 * RUNTIME_FUNCTIONS.size(), relocated, "start_ip and abort_ip of each descriptor");
        assertEquals(List.of(), read("counter").problems());
    }

    @Test
    void lldLeavesTableWordsZeroOnDiskAndTheReaderTakesTheAddends() {
        ExpectedTables lld = expected("counter-lld");
        byte[] onDisk = Binutils.contents(lld.file, ExpectedTables.RSEQ_CS);
        byte[] startField = java.util.Arrays.copyOfRange(onDisk, 8, 16);
        assertArrayEquals(new byte[8], startField, "lld is expected to leave start_ip zero in the file");
        Descriptor first = lld.descriptors().get(0);
        assertTrue(first.start() != 0, "readelf -r gives the start_ip addend");
        assertTrue(read("counter-lld").criticalSections().stream().anyMatch(cs -> cs.start() == first.start()));
    }

    @Test
    void packedRelrRelocationsCoverTheDescriptorsOfCounterRelr() {
        ExpectedTables relr = expected("counter-relr");
        List<Relocation> packed = relr.relocationsIn(ExpectedTables.RSEQ_CS).stream()
                .filter(r -> r.type().equals("RELR")).toList();
        assertEquals(2 * RUNTIME_FUNCTIONS.size(), packed.size(), "start_ip and abort_ip, packed");
        assertEquals(List.of(), read("counter-relr").problems(), "no pointer is left unrelocated");
    }

    @Test
    void i386TablesAreReadFromRelEntriesWithTheAddendInPlace() {
        ExpectedTables i386 = expected("counter-i386");
        List<Relocation> rel = i386.relocationsIn(ExpectedTables.RSEQ_CS);
        assertEquals(2 * RUNTIME_FUNCTIONS.size(), rel.size());
        assertTrue(rel.stream().allMatch(r -> r.type().equals("R_386_RELATIVE") && r.addend() == null));
        assertFalse(read("counter-i386").is64());
    }

    @Test
    void aTargetWithoutTablesHasNoCriticalSectionsAndNoProblems() throws ElfReadException {
        Path notable = Targets.path("counter-notable");
        assertTrue(Binutils.sections(notable).keySet().stream().noneMatch(n -> n.startsWith("__rseq_")
                && !n.equals("__rseq_failure")), "readelf lists an rseq table in counter-notable");
        RseqTables tables = RseqTables.read(notable);
        assertEquals(List.of(), tables.criticalSections());
        assertEquals(List.of(), tables.exitPoints());
        assertEquals(List.of(), tables.problems());
    }
}
