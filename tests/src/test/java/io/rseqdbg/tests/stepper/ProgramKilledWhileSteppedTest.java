package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Processes;
import io.rseqdbg.tests.support.Targets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SIGKILL from outside to a stepped program while one of its threads is inside a section (under
 * {@code inside}: stopped there, the other thread held; under {@code skip}: at or just after an
 * entry). rseqdbg reports the death at once, as {@code step} documents (status 128 + 9, the
 * signal named), with no stack trace, and nothing of the program is left. The default suite runs
 * one trial under {@code inside}; {@code -Pfaults} runs {@code rseqdbg.faults} per policy.
 */
@Timeout(600)
class ProgramKilledWhileSteppedTest {

    private static final int TRIALS = Math.max(1, Integer.getInteger("rseqdbg.faults", 0));
    private static final boolean FULL = Integer.getInteger("rseqdbg.faults", 0) > 0;
    /** Promptly: rseqdbg has only to read the exit and write its summary. */
    private static final long REPORT_SECONDS = 10;

    @TempDir
    Path dir;

    static Stream<Arguments> trials() {
        List<Arguments> trials = new ArrayList<>();
        for (String policy : FULL ? List.of("inside", "skip") : List.of("inside")) {
            for (int trial = 1; trial <= TRIALS; trial++) {
                trials.add(Arguments.of(policy, trial));
            }
        }
        return trials.stream();
    }

    @ParameterizedTest(name = "{0}, trial {1}")
    @MethodSource("trials")
    void sigkillToTheProgramInsideASectionEndsRseqdbgAtOnceWithStatus137(String policy, int trial) throws Exception {
        Path trace = dir.resolve("trace.tsv");
        // Two threads: while one is inside a section, the other is held.
        StepProcess rseqdbg = StepProcess.start(dir, trace, "step", "--policy", policy, "--trace", trace.toString(),
                "--", Targets.path("counter-static").toString(), "2", "100000");
        try {
            String inside = policy.equals("inside") ? "\tinside " : "\tenter ";
            rseqdbg.awaitTraceLine(l -> l.contains(inside), "of a thread inside a section");
            int pid = Integer.parseInt(rseqdbg.traceText().lines().findFirst().orElseThrow().split("\t")[0]);
            StepProcess.kill("KILL", pid);
            long killed = System.nanoTime();
            assertTrue(rseqdbg.process.waitFor(REPORT_SECONDS, TimeUnit.SECONDS),
                    "rseqdbg still runs " + REPORT_SECONDS + " s after the program was killed: " + rseqdbg.stderr());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            System.out.println("program killed under " + policy + ": rseqdbg ended " + millis + " ms later");
            assertEquals(128 + 9, rseqdbg.process.exitValue(), rseqdbg.stderr());
            assertTrue(rseqdbg.stderr().contains("rseqdbg: the program was killed by SIGKILL (status 137)\n"),
                    rseqdbg.stderr());
            assertFalse(rseqdbg.stderr().contains("Exception"), rseqdbg.stderr());
            assertTrue(Processes.awaitGone(pid, Duration.ofSeconds(30)), "the killed program is still there");
            assertFalse(rseqdbg.stdout().contains("ok ops="), "it finished although killed: " + rseqdbg.stdout());
        } finally {
            rseqdbg.process.destroyForcibly();
        }
    }
}
