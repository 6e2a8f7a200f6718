package io.rseqdbg.tests.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;

/** Runs a self-checking data-structure target under contention and checks its op count. */
final class StructureRuns {

    private StructureRuns() {
    }

    /** {@code total} operations over {@link Load#THREADS} threads; env as name, value pairs. */
    static Run run(String target, long total, String... env) {
        long perThread = Load.perThread(total);
        var launch = Targets.target(target)
                .args(String.valueOf(Load.THREADS), String.valueOf(perThread));
        for (int i = 0; i < env.length; i += 2) {
            launch.env(env[i], env[i + 1]);
        }
        Run run = launch.run().requireExit(0);
        assertEquals(Load.THREADS * perThread, run.number("ops"), run.describe());
        return run;
    }
}
