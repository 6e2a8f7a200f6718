package io.rseqdbg.tests.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fast path's retry path (RSEQDBG_RETRY: what runs between a failed try and the next) and
 * RSEQDBG_FASTPATH_TRIES=0 (retry forever, never cpu_opv): accepted values keep every result
 * exact, bad values stop the program at start with one line and exit 2.
 */
class RetryPathTest {

    private static final String RETRY = "RSEQDBG_RETRY";
    private static final String TRIES = "RSEQDBG_FASTPATH_TRIES";

    /** signal-storm, 1 thread, 200 adds through a c.s. of about SPIN_US that SIGALRM aborts. */
    private static Run storm(String spinUs, String... env) {
        var launch = Targets.target("signal-storm").args("1", "200", spinUs, "100");
        for (int i = 0; i < env.length; i += 2) {
            launch.env(env[i], env[i + 1]);
        }
        return launch.run().requireExit(0);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"none", "syscall", "spin:0", "spin:20000", "sleep:0", "sleep:200",
            "sleep:1000/5"})
    void retryPathRunsBeforeEveryTryAfterAFailedOne(String retry) {
        // Nearly every try is aborted: each op makes 4 tries (3 retries) then falls back.
        Run run = storm("300", RETRY, retry);
        assertEquals(200, run.number("ops"), run.describe());
        assertTrue(run.number("retries") > 0, run.describe());
        assertEquals(run.number("aborts") - run.number("fallback"), run.number("retries"),
                "one retry after each failed try that was not an operation's last: " + run.describe());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"none", "syscall", "spin:20000", "sleep:100/3"})
    void zeroTriesRetriesAbortedSectionsForeverAndNeverFallsBack(String retry) {
        Run run = storm("20", TRIES, "0", RETRY, retry);
        assertEquals(200, run.number("ops"), run.describe());
        assertEquals(0, run.number("fallback"), run.describe());
        assertTrue(run.number("aborts") > 0, "no try was aborted, nothing was retried: " + run.describe());
        assertEquals(run.number("aborts"), run.number("retries"), run.describe());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"counter", "list", "memcpy", "counter-c2", "list-c2", "memcpy-c2"})
    void zeroTriesKeepsDataStructuresExactUnderContentionWithoutFallback(String target) {
        Run run = StructureRuns.run(target, 200_000, TRIES, "0", RETRY, "syscall");
        assertEquals(0, run.number("fallback"), run.describe());
    }

    @Test
    void forcedCpuOpvWinsOverZeroTries() {
        Run run = Targets.target("counter").args("2", "1000")
                .env(TRIES, "0").env(Load.FORCE_CPU_OPV, "1").run().requireExit(0);
        assertEquals(2000, run.number("fallback"), run.describe());
    }

    @ParameterizedTest(name = "{0}=''{1}''")
    @CsvSource(delimiter = '|', value = {
        "RSEQDBG_RETRY|spin",
        "RSEQDBG_RETRY|spin:",
        "RSEQDBG_RETRY|spin:-1",
        "RSEQDBG_RETRY|spin:1000000001",
        "RSEQDBG_RETRY|sleep:1/0",
        "RSEQDBG_RETRY|sleep:2000000",
        "RSEQDBG_RETRY|sleep:5/",
        "RSEQDBG_RETRY|syscall:1",
        "RSEQDBG_RETRY|nap",
        "RSEQDBG_FASTPATH_TRIES|-1",
        "RSEQDBG_FASTPATH_TRIES|1000001",
        "RSEQDBG_FASTPATH_TRIES|four"})
    void badValueStopsTheProgramWithOneLineAndExitTwo(String name, String value) {
        Run run = Targets.target("counter").args("1", "10").env(name, value).run();
        assertEquals(2, run.exitCode(), run.describe());
        assertEquals(1, run.stderr().lines().count(), run.describe());
        assertTrue(run.stderr().startsWith("rseqdbg runtime: bad " + name + "='" + value + "': expected "),
                run.describe());
        assertEquals("", run.stdout(), run.describe());
    }
}
