package io.rseqdbg.tests.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Line stepping (next, step) over and through critical sections. */
class NextTest {

    @Test
    void nextOverACallThatRunsASectionReturnsToTheCallersNextLine() {
        // counter.c:90 is "rt.counter_add(job->counter, 1);" in the loop of line 89
        GdbSession.Result r = GdbSession.bridge("counter", "1", "1000")
                .ex("break counter.c:90", "run", "delete", "next", "next", "next", "bt 1", "continue").run();
        assertEquals(2, r.count("^89\\t"), r.describe());
        assertEquals(2, r.count("^90\\t"), "at the breakpoint, then back after one turn of the loop\n" + r.describe());
        assertEquals(1, r.count("^#0 .* work \\("), "still in the caller\n" + r.describe());
        assertTrue(r.commits() >= 2, r.describe());
        assertTrue(r.programSaidOk(1000) && r.programExitedNormally(), r.describe());
    }

    @Test
    void nextThroughTheLineOfASectionGoesOnToTheFollowingLines() {
        // On one CPU the program's own cpu check never fails, so no pass ends in the abort handler,
        // which has no symbols: gdb's next stops there ("Cannot find bounds of current function").
        GdbSession.Result r = GdbSession.bridge("counter", "1", "1000")
                .ex("set exec-wrapper taskset -c 0", "break percpu_counter_add", "run", "delete", "next 8",
                        "rseq info", "bt 1", "continue").run();
        // one through the section's line (percpu.c:259), one for the next call, nexted over on counter.c:90
        assertEquals(2, r.commits(), r.describe());
        assertEquals(1, r.count("not in a critical section"), r.describe());
        assertEquals(1, r.count("^#0 .* work \\("), "next went on past the section, out to the caller\n" + r.describe());
        assertTrue(r.programSaidOk(1000) && r.programExitedNormally(), r.describe());
    }

    @Test
    void stepIntoTheFunctionAndThroughItsSection() {
        GdbSession.Result r = GdbSession.bridge("counter", "1", "1000")
                .ex("break counter.c:90", "run", "delete", "step", "step 100", "continue").run();
        assertTrue(r.commits() >= 1, r.describe());
        assertTrue(r.programSaidOk(1000) && r.programExitedNormally(), r.describe());
    }
}
