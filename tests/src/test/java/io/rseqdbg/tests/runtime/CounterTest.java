package io.rseqdbg.tests.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import org.junit.jupiter.api.Test;

/** The per-cpu counter keeps an exact total whichever path the increments take. */
class CounterTest {

    private static Run counter(long total, String... env) {
        var launch = Targets.target("counter")
                .args(String.valueOf(Load.THREADS), String.valueOf(Load.perThread(total)));
        for (int i = 0; i < env.length; i += 2) {
            launch.env(env[i], env[i + 1]);
        }
        return launch.run().requireExit(0);
    }

    @Test
    void totalIsExactUnderContention() {
        Run run = counter(10_000_000);
        assertEquals(Load.THREADS * Load.perThread(10_000_000), run.number("ops"), run.describe());
    }

    @Test
    void everyIncrementTakesTheFallbackWhenItIsForced() {
        Run run = counter(1_000_000, Load.FORCE_CPU_OPV, "1");
        long ops = Load.THREADS * Load.perThread(1_000_000);
        assertEquals(ops, run.number("ops"), run.describe());
        assertEquals(ops, run.number("fallback"), run.describe());
        assertEquals(0, run.number("aborts"), run.describe());
    }

    @Test
    void fastPathNeedsNoFallbackWhenUndisturbed() {
        Run run = Targets.target("counter").args("1", "100000").run().requireExit(0);
        assertTrue(run.number("fallback") < 100, run.describe());
    }

    @Test
    void glibcRegistrationIsUsedWhenGlibcHasOne() {
        Run run = counter(100_000);
        assertEquals("glibc", run.report().get("rseq"), run.describe());
    }

    @Test
    void ownRegistrationKeepsTheTotalExactWhenGlibcHasNone() {
        Run run = counter(1_000_000, Load.GLIBC_TUNABLES, Load.GLIBC_WITHOUT_RSEQ);
        assertEquals("own", run.report().get("rseq"), run.describe());
        assertEquals(Load.THREADS * Load.perThread(1_000_000), run.number("ops"), run.describe());
    }
}
