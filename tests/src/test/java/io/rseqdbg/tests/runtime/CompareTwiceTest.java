package io.rseqdbg.tests.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compare-twice builds (RSEQ_COMPARE_TWICE, TARGETS.md): every critical section checks its cpu
 * and its compared word again right before the commit. Undisturbed programs pass that check and
 * their own; a section that really moved to another cpu, or whose word really changed, without
 * being aborted ends the program with one FAIL line and SIGABRT.
 */
class CompareTwiceTest {

    /** What a process killed by SIGABRT exits with, as Java reports it (128 + 6). */
    private static final int SIGABRT_EXIT = 134;
    private static final long OPS_PER_THREAD = 20_000;
    private static final Pattern CPU_MISMATCH = Pattern.compile(
            "FAIL compare-twice: percpu_counter_add_spin: cpu_id (\\d+) at start, (\\d+) before commit");
    private static final String WORD_CHANGED =
            "FAIL compare-twice: percpu_counter_add_spin: compared word changed before commit (now ";

    static Stream<Arguments> c2TargetsThreadsAndRegistrations() {
        return Stream.of("counter-c2", "list-c2", "memcpy-c2", "buffer-c2", "spin-c2")
                .flatMap(target -> Stream.of(1, 2, 4)
                        .flatMap(threads -> Stream.of("glibc", "own")
                                .map(registration -> Arguments.of(target, threads, registration))));
    }

    private static Run run(String target, int threads, String registration) {
        // buffer moves threads between CPUs (sched_setaffinity), each move waiting for the
        // scheduler: seconds on a quiet machine, minutes on a loaded one.
        var launch = Targets.target(target).args(String.valueOf(threads), String.valueOf(OPS_PER_THREAD))
                .timeout(Duration.ofSeconds(600));
        if (registration.equals("own")) {
            launch.env(Load.GLIBC_TUNABLES, Load.GLIBC_WITHOUT_RSEQ);
        }
        return launch.run();
    }

    @ParameterizedTest(name = "{0} with {1} threads and {2} registration")
    @MethodSource("c2TargetsThreadsAndRegistrations")
    void compareTwiceBuildPassesItsOwnChecksNatively(String target, int threads, String registration) {
        Run run = run(target, threads, registration).requireExit(0);
        assertEquals(threads * OPS_PER_THREAD, run.number("ops"), run.describe());
        assertEquals(registration, run.report().get("rseq"), run.describe());
        assertFalse(run.stderr().contains("compare-twice"), run.describe());
    }

    @ParameterizedTest(name = "{0} registration")
    @ValueSource(strings = {"glibc", "own"})
    void i386CompareTwiceBuildCountsExactly(String registration) {
        Run probe = Targets.target("counter-i386").args("1", "1").run();
        // The kernel refuses ELF32 (ENOEXEC) where IA-32 emulation is off; the JDK then hands the
        // file to /bin/sh, which stumbles over the binary with a syntax error.
        assumeTrue(probe.exitCode() == 0 || !probe.stderr().contains("Syntax error"),
                "this kernel runs no i386 programs: " + probe.describe());
        Run run = run("counter-c2-i386", 4, registration).requireExit(0);
        assertEquals(4 * OPS_PER_THREAD, run.number("ops"), run.describe());
        assertEquals(registration, run.report().get("rseq"), run.describe());
    }

    @Test
    void spinSectionSpinsThirtyIterationsByDefault() {
        Run run = Targets.target("spin-c2").run().requireExit(0);
        assertEquals(30, run.number("spin"), run.describe());
        assertEquals(200, run.number("ops"), run.describe());
    }

    @ParameterizedTest(name = "{0} registration")
    @ValueSource(strings = {"glibc", "own"})
    void sectionMovedToAnotherCpuWithoutAbortEndsTheProgramBeforeItsCommit(String registration) {
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "needs 2 cpus to migrate");
        var launch = Targets.target("c2-tamper").args("migrate");
        if (registration.equals("own")) {
            launch.env(Load.GLIBC_TUNABLES, Load.GLIBC_WITHOUT_RSEQ);
        }
        Run run = launch.run();
        assertEquals(SIGABRT_EXIT, run.exitCode(), run.describe());
        List<String> lines = run.stderr().lines().toList();
        assertEquals(1, lines.size(), run.describe());
        Matcher m = CPU_MISMATCH.matcher(lines.get(0));
        assertTrue(m.matches(), run.describe());
        assertNotEquals(m.group(1), m.group(2), run.describe());
        assertEquals("", run.stdout(), "no ok line: " + run.describe());
    }

    @Test
    void sectionWhoseComparedWordChangedEndsTheProgramBeforeItsCommit() {
        Run run = Targets.target("c2-tamper").args("value").run();
        assertEquals(SIGABRT_EXIT, run.exitCode(), run.describe());
        List<String> lines = run.stderr().lines().toList();
        assertEquals(1, lines.size(), run.describe());
        assertTrue(lines.get(0).startsWith(WORD_CHANGED), run.describe());
        assertEquals("", run.stdout(), "no ok line: " + run.describe());
    }
}
