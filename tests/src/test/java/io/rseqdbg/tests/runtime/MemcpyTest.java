package io.rseqdbg.tests.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Targets.Run;
import org.junit.jupiter.api.Test;

/** Records copied into per-cpu buffers come out exactly once and intact (the target checks). */
class MemcpyTest {

    @Test
    void everyRecordArrivesOnceUnderContention() {
        Run run = StructureRuns.run("memcpy", 1_000_000);
        assertTrue(run.number("takes") > 0, "buffers never filled up: " + run.describe());
    }

    @Test
    void everyRecordArrivesOnceWithFallbackForced() {
        Run run = StructureRuns.run("memcpy", 200_000, Load.FORCE_CPU_OPV, "1");
        assertEquals(run.number("ops"), run.number("fallback"), run.describe());
    }

    @Test
    void everyRecordArrivesOnceWithOwnRegistration() {
        Run run = StructureRuns.run("memcpy", 200_000, Load.GLIBC_TUNABLES,
                Load.GLIBC_WITHOUT_RSEQ);
        assertEquals("own", run.report().get("rseq"), run.describe());
    }
}
