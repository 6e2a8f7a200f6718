package io.rseqdbg.tests.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Targets.Run;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * cpu_opv on a cpu runs as one unit with respect to the fast paths running there. The target
 * mixes long load-spin-store critical sections with cpu_opv increments of the same slots from
 * other cpus; without the lock or the membarrier it loses thousands of updates.
 */
class ExclusionTest {

    @Test
    void cpuOpvFromAnotherCpuLosesNoUpdateOfRunningFastPaths() {
        Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() > 1,
                "needs two cpus");
        Run run = StructureRuns.run("exclusion", 400_000);
        // Half the operations aim at the next cpu's slot; a thread that migrated there between
        // choosing it and adding runs the local fast path instead, so a few are not remote.
        long aimed = run.number("ops") / 2;
        long remote = run.number("remote");
        assertTrue(remote <= aimed && remote >= aimed * 9 / 10, "remote=" + remote + " of " + aimed + ": " + run.describe());
        assertTrue(run.number("fallback") >= run.number("remote"), run.describe());
    }

    @Test
    void exclusionHoldsWithOwnRegistration() {
        Run run = StructureRuns.run("exclusion", 200_000, Load.GLIBC_TUNABLES,
                Load.GLIBC_WITHOUT_RSEQ);
        assertEquals("own", run.report().get("rseq"), run.describe());
    }
}
