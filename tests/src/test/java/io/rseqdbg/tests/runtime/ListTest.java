package io.rseqdbg.tests.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Targets.Run;
import org.junit.jupiter.api.Test;

/** Per-cpu stacks lose and duplicate no node (the target checks every node's place). */
class ListTest {

    @Test
    void noNodeIsLostOrDuplicatedUnderContention() {
        Run run = StructureRuns.run("list", 1_000_000);
        assertTrue(run.number("empty") > 0, "no pop left through the empty-list exit point: "
                + run.describe());
    }

    @Test
    void noNodeIsLostOrDuplicatedWithFallbackForced() {
        Run run = StructureRuns.run("list", 200_000, Load.FORCE_CPU_OPV, "1");
        assertTrue(run.number("fallback") >= run.number("ops"), run.describe());
        assertEquals(0, run.number("aborts"), run.describe());
    }

    @Test
    void noNodeIsLostOrDuplicatedWithOwnRegistration() {
        Run run = StructureRuns.run("list", 200_000, Load.GLIBC_TUNABLES, Load.GLIBC_WITHOUT_RSEQ);
        assertEquals("own", run.report().get("rseq"), run.describe());
    }
}
