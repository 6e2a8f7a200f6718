package io.rseqdbg.tests.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Targets.Run;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Reserve + commit: every commit lands in the buffer of its reservation's cpu, also after the
 * thread migrated in between (the target moves itself every 16th record and checks all data).
 */
class BufferTest {

    @Test
    void everyRecordArrivesOnceUnderContention() {
        StructureRuns.run("buffer", 1_000_000);
    }

    @Test
    void commitAfterMigrationReachesTheReservationsCpu() {
        Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() > 1,
                "needs two cpus to migrate between");
        Run run = StructureRuns.run("buffer", 100_000);
        assertTrue(run.number("moved") > 0, run.describe());
        assertTrue(run.number("remote") >= run.number("moved"), run.describe());
    }

    @Test
    void everyRecordArrivesOnceWithFallbackForced() {
        Run run = StructureRuns.run("buffer", 200_000, Load.FORCE_CPU_OPV, "1");
        // a reserve and a commit per record
        assertTrue(run.number("fallback") >= 2 * run.number("ops"), run.describe());
    }

    @Test
    void everyRecordArrivesOnceWithOwnRegistration() {
        Run run = StructureRuns.run("buffer", 200_000, Load.GLIBC_TUNABLES,
                Load.GLIBC_WITHOUT_RSEQ);
        assertEquals("own", run.report().get("rseq"), run.describe());
    }
}
