package io.rseqdbg.tests.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.elf.ElfReadException;
import io.rseqdbg.elf.Problem;
import io.rseqdbg.elf.RseqTables;
import io.rseqdbg.tests.support.Binutils;
import io.rseqdbg.tests.support.Targets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** tests/src/main/c/targets/bad: one defective descriptor each, and the reader finds exactly that defect. */
class BadTargetTablesTest {

    static Stream<Arguments> badTargets() {
        return Stream.of(
                Arguments.of("bad/abort-inside", Problem.Kind.ABORT_INSIDE),
                Arguments.of("bad/version1", Problem.Kind.VERSION),
                Arguments.of("bad/no-signature", Problem.Kind.SIGNATURE),
                Arguments.of("bad/overflow", Problem.Kind.OVERFLOW),
                Arguments.of("bad/exit-inside", Problem.Kind.EXIT_INSIDE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTargets")
    void badTargetHasExactlyItsOneProblem(String file, Problem.Kind kind) throws ElfReadException {
        List<Problem> problems = RseqTables.read(Targets.path(file)).problems();
        assertEquals(List.of(kind), problems.stream().map(Problem::kind).toList(), problems.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTargets")
    void problemIsReportedAtTheTableEntryReadelfShows(String file, Problem.Kind kind) throws ElfReadException {
        Path path = Targets.path(file);
        String section = kind == Problem.Kind.EXIT_INSIDE ? ExpectedTables.EXIT_POINTS : ExpectedTables.RSEQ_CS;
        long entry = Binutils.sections(path).get(section).address();
        assertEquals(entry, RseqTables.read(path).problems().get(0).address());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTargets")
    void theOneCriticalSectionIsInBadCsAsNmShows(String file, Problem.Kind kind) throws ElfReadException {
        Path path = Targets.path(file);
        ExpectedTables.Descriptor expected = ExpectedTables.of(path).descriptors().get(0);
        List<CriticalSection> sections = RseqTables.read(path).criticalSections();
        assertEquals(1, sections.size());
        CriticalSection cs = sections.get(0);
        assertEquals(expected.start(), cs.start());
        assertEquals(expected.postCommitOffset(), cs.postCommitOffset());
        assertEquals(expected.abort(), cs.abort());
        assertEquals("bad_cs+" + (cs.start() - Binutils.symbol(path, "bad_cs")), cs.name());
    }
}
