package io.rseqdbg.tests.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.elf.Problem;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code rseqdbg check} run as users run it: {@code java -jar rseqdbg.jar check ...}. */
class CheckCommandTest {

    static Stream<String> goodTargets() {
        return Stream.concat(RuntimeTargetTablesTest.variants(), Stream.of("counter-notable"));
    }

    static Run rseqdbg(String... args) {
        String jar = System.getProperty("rseqdbg.jar");
        List<String> command = new ArrayList<>(List.of("-jar", jar));
        command.addAll(Arrays.asList(args));
        return Targets.command(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                command.toArray(String[]::new)).run();
    }

    @Test
    void checkExitsZeroOnEveryWellFormedTarget() {
        List<String> args = new ArrayList<>(List.of("check", "--json"));
        goodTargets().map(t -> Targets.path(t).toString()).forEach(args::add);
        Run run = rseqdbg(args.toArray(String[]::new)).requireExit(0);
        assertTrue(run.stdout().contains("\"problemCount\":0"), run.describe());
        goodTargets().forEach(t -> assertTrue(run.stdout().contains("\"file\":\"" + Targets.path(t) + "\""), t));
        assertTrue(run.stdout().contains("\"errors\":[]"), run.describe());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.rseqdbg.tests.elf.BadTargetTablesTest#badTargets")
    void checkExitsOneAndNamesTheProblemOfABadTarget(String file, Problem.Kind kind) {
        Run run = rseqdbg("check", "--json", Targets.path(file).toString());
        run.requireExit(1);
        assertTrue(run.stdout().contains("\"problemCount\":1"), run.describe());
        assertTrue(run.stdout().contains("\"kind\":\"" + kind.id() + "\""), run.describe());
    }

    @Test
    void checkPrintsEachProblemOnItsOwnLineWithoutJson() {
        Run run = rseqdbg("check", Targets.path("bad/version1").toString()).requireExit(1);
        assertTrue(run.stdout().lines().anyMatch(l -> l.trim().startsWith("version: bad_cs+")), run.describe());
    }

    @ParameterizedTest(name = "first {0} bytes")
    @ValueSource(ints = {100, 3000, 20_000})
    void truncatedTargetExitsTwoWithOneLineAndNoStackTrace(int length, @TempDir Path dir) throws IOException {
        byte[] whole = Files.readAllBytes(Targets.path("counter"));
        Path truncated = dir.resolve("counter-truncated");
        Files.write(truncated, Arrays.copyOf(whole, length));
        Run run = rseqdbg("check", truncated.toString()).requireExit(2);
        List<String> lines = run.stderr().lines().toList();
        assertEquals(1, lines.size(), run.describe());
        assertTrue(lines.get(0).contains(truncated.toString()), run.describe());
        assertFalse(run.stderr().contains("Exception") || run.stderr().contains("\tat "), run.describe());
        assertEquals("", run.stdout(), run.describe());
    }
}
