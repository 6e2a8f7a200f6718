package io.rseqdbg.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.elf.internal.Hex;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** bad.c built once per defect: one good critical section, one with exactly that defect. */
class KernelChecksTest {

    enum Defect {
        VERSION(Problem.Kind.VERSION),
        FLAGS(Problem.Kind.FLAGS),
        ABORT_INSIDE(Problem.Kind.ABORT_INSIDE),
        SIGNATURE(Problem.Kind.SIGNATURE),
        OVERFLOW(Problem.Kind.OVERFLOW),
        START_NOT_EXECUTABLE(Problem.Kind.START_NOT_EXECUTABLE),
        ABORT_NOT_EXECUTABLE(Problem.Kind.ABORT_NOT_EXECUTABLE),
        EXIT_UNKNOWN(Problem.Kind.EXIT_UNKNOWN),
        EXIT_INSIDE(Problem.Kind.EXIT_INSIDE);

        final Problem.Kind kind;

        Defect(Problem.Kind kind) {
            this.kind = kind;
        }

        Path file() {
            return Specimens.bad(kind.id());
        }
    }

    @ParameterizedTest
    @EnumSource(Defect.class)
    void eachDefectIsReportedAsExactlyItsOneProblem(Defect defect) throws Exception {
        List<Problem> problems = RseqTables.read(defect.file()).problems();
        assertEquals(List.of(defect.kind), problems.stream().map(Problem::kind).toList(), problems.toString());
    }

    @ParameterizedTest
    @EnumSource(value = Defect.class, names = {"VERSION", "FLAGS", "ABORT_INSIDE", "SIGNATURE", "OVERFLOW",
            "START_NOT_EXECUTABLE", "ABORT_NOT_EXECUTABLE"})
    void descriptorProblemsPointAtTheDefectiveDescriptor(Defect defect) throws Exception {
        Path file = defect.file();
        Problem problem = RseqTables.read(file).problems().get(0);
        assertEquals(Readelf.symbol(file, "odd_cs"), problem.address());
        assertTrue(problem.message().contains(Hex.of(Readelf.symbol(file, "odd_cs"))), problem.message());
    }

    @ParameterizedTest
    @EnumSource(value = Defect.class, names = {"SIGNATURE"})
    void aWrongSignatureReportsTheBytesFound(Defect defect) throws Exception {
        Path file = defect.file();
        long abort = Readelf.symbol(file, "odd_exit");
        String found = Hex.bytes(Readelf.bytes(file, ".text", abort - 4, 4));
        String message = RseqTables.read(file).problems().get(0).message();
        assertTrue(message.contains("are " + found + ", expected the x86-64 signature 53 30 05 53"), message);
    }

    @ParameterizedTest
    @EnumSource(value = Defect.class, names = {"EXIT_UNKNOWN", "EXIT_INSIDE"})
    void exitPointProblemsPointAtTheExitTableEntry(Defect defect) throws Exception {
        Path file = defect.file();
        RseqTables tables = RseqTables.read(file);
        Problem problem = tables.problems().get(0);
        ExitPoint odd = tables.exitPoints().stream().filter(e -> e.entry() == problem.address()).findFirst().orElseThrow();
        long oddStart = Readelf.symbol(file, "odd_start");
        long expectedExit = defect == Defect.EXIT_INSIDE ? oddStart + 1 : Readelf.symbol(file, "odd_exit");
        assertEquals(expectedExit, odd.exit());
    }
}
