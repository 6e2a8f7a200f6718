package io.rseqdbg.tests.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** cpu_opv returns its documented result for every error case and vector (cpu-opv-errors). */
class CpuOpvErrorsTest {

    private static Run run;

    @BeforeAll
    static void runChecks() {
        run = Targets.target("cpu-opv-errors").run();
    }

    @Test
    void everyCheckPasses() {
        run.requireExit(0);
        assertFalse(run.stdout().contains("FAIL"), run.describe());
        assertTrue(run.number("checks") >= 30, run.describe());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        // -1 with EINVAL (EFAULT for ops-null), nothing executed
        "flags-nonzero", "cpu-negative", "cpu-not-possible", "count-negative", "count-over-16",
        "ops-null", "op-unknown", "op-negative", "add-len-3", "add-len-16", "xor-len-0",
        "lshift-32-of-4-bytes", "rshift-8-of-1-byte", "compare-len-4097", "memcpy-len-4097",
        "vector-total-over-limit",
        // limits and effects
        "count-zero-is-success", "sixteen-ops-at-total-limit", "sixteen-ops-all-applied",
        "every-op-kind-succeeds", "add", "or", "and-then-rshift", "xor-then-lshift", "memcpy",
        // 0 or index + 1 of the first failed compare
        "compare-eq-fails-index-plus-one", "ops-before-failed-compare-ran",
        "ops-after-failed-compare-did-not-run", "compare-ne-fails-index-plus-one",
        "long-compare-fails-index-plus-one",
        // never touches the caller's affinity
        "runs-on-another-cpu", "affinity-unchanged"})
    void checkPasses(String check) {
        assertTrue(run.stdout().lines().anyMatch(("pass " + check)::equals), run.describe());
    }
}
