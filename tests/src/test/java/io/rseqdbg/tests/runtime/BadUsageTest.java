package io.rseqdbg.tests.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Targets reject bad arguments with a usage message and exit 2, doing no work. */
class BadUsageTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "counter, many",
        "counter, 0",
        "counter-dlopen, -3",
        "list, 1 x",
        "buffer, 1 2 3",
        "memcpy, 99999",
        "signal-storm, 1 1 -1",
        "bench-percpu, 1 1 fast",
        "cpu-opv-errors, extra",
        "spin-c2, 1 1 -5",
        "list-c2, 0",
        "c2-tamper, sideways",
        "c2-tamper, migrate now"})
    void badArgumentsExitTwoWithUsage(String target, String args) {
        Run run = Targets.target(target).args(args.split(" ")).run();
        assertEquals(2, run.exitCode(), run.describe());
        assertTrue(run.stderr().contains("usage: "), run.describe());
        assertEquals("", run.stdout(), run.describe());
    }
}
