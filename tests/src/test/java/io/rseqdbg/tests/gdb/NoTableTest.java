package io.rseqdbg.tests.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code counter-notable}: its sections are in no table, known only through a thread's live
 * {@code rseq_cs}. Once the bridge has met one there, it asks the Java side ({@code rseqdbg
 * section}) for its ways out and outcomes and guards it as it guards a table's sections.
 */
class NoTableTest {

    /** Single stepi until the bridge has learnt a section from the live rseq_cs (at most 400). */
    private static final String STEPI_UNTIL_LEARNT = """
            import gdb, rseqdbg_gdb
            process = rseqdbg_gdb.bridge().process
            for stepis in range(1, 401):
                said = gdb.execute("stepi", to_string=True)
                if process.live_placements():
                    print("".join(l + "\\n" for l in said.splitlines() if l.startswith("rseq: ")), end="")
                    break
            print("learnt=%d" % len(process.live_placements()))
            """;

    private static final Pattern LIVE = Pattern.compile(
            "^  percpu_counter_add\\+\\d+ +start 0x([0-9a-f]+) post-commit 0x([0-9a-f]+) abort 0x([0-9a-f]+)",
            Pattern.MULTILINE);
    private static final Pattern GUARD = Pattern.compile("^-\\d+\\s+breakpoint\\s+keep\\s+[yn]\\s+0x([0-9a-f]+)",
            Pattern.MULTILINE);

    /**
     * The program runs on one CPU, so its own cpu check never aborts a pass (a migration between
     * reading its cpu and entering): the counts of passes below are then exact (each test failed
     * once that way in a clean-clone run).
     */
    private static final String ONE_CPU = "set exec-wrapper taskset -c 0";

    @Test
    void aSectionLearntFromTheLiveRseqCsIsGuardedAtItsEntryAndWaysOutOnly() {
        GdbSession.Result r = GdbSession.bridge("counter-notable", "1", "100")
                .ex(ONE_CPU, "break percpu_counter_add", "run", "delete").python(STEPI_UNTIL_LEARNT)
                .ex("rseq info", "maint info breakpoints", "continue").run();
        assertEquals(1, r.count("^learnt=1$"), r.describe());
        assertEquals(1, r.count("^rseq: percpu_counter_add\\+\\d+ committed"),
                "the stepi that met it inside ran it out, its outcome named by the Java side's ways out\n" + r.describe());
        Matcher live = LIVE.matcher(r.output());
        assertTrue(live.find(), "rseq info lists it under the live rseq_cs\n" + r.describe());
        long start = Long.parseUnsignedLong(live.group(1), 16);
        long postCommit = Long.parseUnsignedLong(live.group(2), 16);
        long abort = Long.parseUnsignedLong(live.group(3), 16);
        List<Long> guards = new ArrayList<>();
        Matcher g = GUARD.matcher(r.output());
        while (g.find()) {
            guards.add(Long.parseUnsignedLong(g.group(1), 16));
        }
        assertTrue(guards.contains(postCommit) && guards.contains(abort), guards + "\n" + r.describe());
        assertTrue(guards.stream().anyMatch(a -> a < start && start - a <= 16),
                "an entry guard on the store into rseq_cs, right before start_ip\n" + r.describe());
        for (long at : guards) {
            assertTrue(at < start || at >= postCommit, String.format("guard 0x%x inside%n%s", at, r.describe()));
            assertTrue(at < abort - 4 || at >= abort, String.format("guard 0x%x on the signature%n%s", at, r.describe()));
        }
        assertTrue(r.programSaidOk(100) && r.programExitedNormally(), r.describe());
    }

    @Test
    void nextOverACallIsCaughtByTheLearntSectionsGuard() {
        // counter.c:90 is "rt.counter_add(job->counter, 1);" in the loop of line 89
        GdbSession.Result r = GdbSession.bridge("counter-notable", "1", "100")
                .ex(ONE_CPU, "break percpu_counter_add", "run", "delete").python(STEPI_UNTIL_LEARNT)
                .ex("break counter.c:90", "continue", "delete", "next", "next", "next", "continue").run();
        assertEquals(1, r.count("^learnt=1$"), r.describe());
        // one from the stepi that learnt it, then one per next over the call, run out at full speed
        assertEquals(3, r.count("^rseq: percpu_counter_add\\+\\d+ committed"), r.describe());
        assertTrue(r.programSaidOk(100) && r.programExitedNormally(), r.describe());
    }

    @Test
    void nextThroughTheLearntSectionsLineGoesOnToTheCaller() {
        GdbSession.Result r = GdbSession.bridge("counter-notable", "1", "100")
                .ex(ONE_CPU, "break percpu_counter_add", "run", "delete").python(STEPI_UNTIL_LEARNT)
                .ex("break percpu_counter_add", "continue", "delete")
                .python("""
                        for nexts in range(1, 21):
                            gdb.execute("next")
                            if gdb.selected_frame().name() == "work":
                                break
                        print("nexts=%d in=%s" % (nexts, gdb.selected_frame().name()))
                        """)
                .ex("continue").run();
        assertEquals(1, r.count("^learnt=1$"), r.describe());
        assertEquals(1, r.count("^nexts=\\d+ in=work$"), r.describe());
        assertEquals(0, r.count("Cannot find bounds"), r.describe());
        assertTrue(r.commits() >= 2, "the one the stepi met, then the one next went through\n" + r.describe());
        assertTrue(r.programSaidOk(100) && r.programExitedNormally(), r.describe());
    }
}
