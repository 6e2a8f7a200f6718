package io.rseqdbg.tests.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import org.junit.jupiter.api.Test;

/** Under SIGALRM at ~10 kHz long critical sections keep aborting; the fallback finishes them. */
class SignalStormTest {

    @Test
    void operationsCompleteThroughTheFallbackUnderASignalStorm() {
        Run run = Targets.target("signal-storm").args("1", "300").run().requireExit(0);
        assertEquals(300, run.number("ops"), run.describe());
        assertTrue(run.number("signals") > 0, run.describe());
        assertTrue(run.number("fallback") > 0, "no operation fell back: " + run.describe());
    }

    @Test
    void totalStaysExactWithManyThreadsUnderTheStorm() {
        Run run = Targets.target("signal-storm").args(String.valueOf(Load.THREADS), "100")
                .run().requireExit(0);
        assertEquals(Load.THREADS * 100L, run.number("ops"), run.describe());
        assertTrue(run.number("fallback") > 0, "no operation fell back: " + run.describe());
    }

    @Test
    void stormIsSurvivedWithOwnRegistration() {
        Run run = Targets.target("signal-storm").args("1", "200")
                .env(Load.GLIBC_TUNABLES, Load.GLIBC_WITHOUT_RSEQ).run().requireExit(0);
        assertEquals("own", run.report().get("rseq"), run.describe());
        assertTrue(run.number("fallback") > 0, "no operation fell back: " + run.describe());
    }

    @Test
    void fallbackComesAfterFourFailedTries() {
        Run run = Targets.target("signal-storm").args("1", "200").run().requireExit(0);
        long ops = run.number("ops");
        long fallback = run.number("fallback");
        long aborts = run.number("aborts");
        assertTrue(aborts >= 4 * fallback && aborts <= 4 * ops, run.describe());
    }

    @Test
    void numberOfTriesComesFromTheEnvironment() {
        Run run = Targets.target("signal-storm").args("1", "200")
                .env("RSEQDBG_FASTPATH_TRIES", "1").run().requireExit(0);
        assertEquals(run.number("aborts"), run.number("fallback"), run.describe());
        assertTrue(run.number("fallback") > 0, run.describe());
    }
}
