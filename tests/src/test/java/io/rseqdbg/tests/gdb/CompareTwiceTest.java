package io.rseqdbg.tests.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Compare-twice targets (TARGETS.md) through the bridge: a section whose CPU changed between its
 * start and its commit ends the program with "FAIL compare-twice". The bridge binds a thread to
 * its CPU wherever it runs or steps it inside with rseq_cs cleared, and gives its mask back after.
 */
class CompareTwiceTest {

    private static void assertFinishedOk(GdbSession.Result r, long ops) {
        assertFalse(r.output().contains("FAIL"), r.describe());
        assertTrue(r.programSaidOk(ops) && r.programExitedNormally(), r.describe());
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"inside, spin-c2, percpu_counter_add_spin", "skip, spin-c2, percpu_counter_add_spin",
            "inside, counter-c2, percpu_counter_add", "skip, counter-c2, percpu_counter_add"})
    void stepiThroughSectionsOfTwoThreads(String policy, String target, String function) {
        GdbSession.Result r = GdbSession.bridge(target, "2", "40")
                .ex("rseq policy " + policy, "break " + function, "run", "delete", "stepi 4000", "continue").run();
        assertTrue(r.commits() >= 5, "commits: " + r.commits() + "\n" + r.describe());
        if (policy.equals("inside")) {
            assertTrue(r.count("^rseq: inside .*bound to cpu \\d+") >= 5, r.describe());
        }
        assertFinishedOk(r, 80);
    }

    @Test
    void nextOverTheLineWithASection() {
        // counter.c:90 is "rt.counter_add(job->counter, 1);" in the loop of line 89
        GdbSession.Result r = GdbSession.bridge("counter-c2", "2", "300")
                .ex("break counter.c:90", "run", "delete", "next", "next", "next", "next", "step", "next 30",
                        "continue").run();
        assertTrue(r.count("^90\\t") >= 2, r.describe());
        assertTrue(r.commits() >= 1, r.describe());
        assertFinishedOk(r, 600);
    }

    @Test
    void opvFinishesWhenTheAbortHandlerOnlyRetriesWithSleeps() {
        GdbSession.Result r = GdbSession.bridge("counter-c2", "2", "100")
                .env("RSEQDBG_FASTPATH_TRIES", "0").env("RSEQDBG_RETRY", "sleep:1000/5")
                .ex("rseq policy opv", "break percpu_counter_add", "run", "delete", "stepi 5000", "continue").run();
        assertTrue(r.count("redirected to its abort handler") >= 16, r.describe());
        assertTrue(r.count("redirected 16 times without progress .*running this entry out") >= 1, r.describe());
        assertFinishedOk(r, 200);
    }

    @Test
    void opvStillTakesTheRuntimesSlowPath() {
        GdbSession.Result r = GdbSession.bridge("counter-c2", "1", "100")
                .ex("rseq policy opv", "break percpu_counter_add", "run", "delete", "stepi 5000", "continue").run();
        assertEquals(0, r.count("without progress"), "cpu_opv is progress: never given up\n" + r.describe());
        Matcher fallback = Pattern.compile("ok ops=100 fallback=(\\d+)").matcher(r.output());
        assertTrue(fallback.find() && Long.parseLong(fallback.group(1)) >= 5, r.describe());
        assertFinishedOk(r, 100);
    }

    /** Cpus_allowed_list of every thread, read from /proc while gdb holds the program stopped. */
    private static final String ALLOWED = """
            import gdb, os, rseqdbg_gdb
            def allowed():
                pid = gdb.selected_inferior().pid
                found = {}
                for t in os.listdir("/proc/%d/task" % pid):
                    with open("/proc/%d/task/%s/status" % (pid, t)) as status:
                        for line in status:
                            if line.startswith("Cpus_allowed_list"):
                                found[int(t)] = line.split()[1]
                return found
            def at_section():
                return rseqdbg_gdb.bridge().process.section_at(int(gdb.parse_and_eval("$pc")))
            def step_until(inside, command="stepi"):
                for _ in range(3000):
                    gdb.execute(command, to_string=True)
                    if bool(at_section()) == inside:
                        return True
                return False
            """;

    @Test
    void insideBindsTheThreadAndGivesItsMaskBackAfterTheSection() {
        Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "needs 2 CPUs");
        GdbSession.Result r = GdbSession.bridge("spin-c2", "2", "50")
                .ex("rseq policy inside", "break percpu_counter_add_spin", "run", "delete")
                .python(ALLOWED + """
                        tid = gdb.selected_thread().ptid[1]
                        before = allowed()
                        entered = step_until(True)
                        inside = allowed()
                        left = step_until(False)
                        after = allowed()
                        print("entered=%s left=%s" % (entered, left))
                        print("mine before=%s inside=%s after=%s" % (before[tid], inside[tid], after[tid]))
                        print("others kept=%s" % all(after.get(t, v) == v for t, v in before.items()))
                        """)
                .ex("continue").run();
        assertEquals(1, r.count("^entered=True left=True"), r.describe());
        Matcher m = Pattern.compile("mine before=(\\S+) inside=(\\S+) after=(\\S+)").matcher(r.output());
        assertTrue(m.find(), r.describe());
        assertTrue(m.group(2).matches("\\d+") && !m.group(2).equals(m.group(1)), "bound to one CPU inside\n" + r.describe());
        assertEquals(m.group(1), m.group(3), "its own mask back\n" + r.describe());
        assertEquals(1, r.count("^others kept=True"), r.describe());
        assertFinishedOk(r, 100);
    }

    @Test
    void nextThroughTheSectionsLineBindsAndGivesTheMaskBack() {
        Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "needs 2 CPUs");
        // Free placement: a pass the program's own cpu check aborts goes on from the symbol-less
        // abort handler to the retry's lines (NextTest), and the loop below nexts on.
        GdbSession.Result r = GdbSession.bridge("counter-c2", "2", "300")
                .ex("break percpu_counter_add", "run", "delete")
                .python(ALLOWED + """
                        bindings = rseqdbg_gdb.bridge().process.bindings
                        bound = []
                        bind = bindings.bind
                        def recording(tid, cpu):
                            bound.append(cpu)
                            return bind(tid, cpu)
                        bindings.bind = recording
                        before = allowed()
                        for _ in range(8):
                            gdb.execute("next")
                            if bound and not at_section():
                                break
                        after = allowed()
                        print("bound=%d" % len(bound))
                        print("kept=%s" % all(after.get(t, v) == v for t, v in before.items()))
                        """)
                .ex("continue").run();
        assertEquals(1, r.count("^bound=[1-9]"), "next through the section's line binds the thread\n" + r.describe());
        assertEquals(1, r.count("^kept=True"), r.describe());
        assertEquals(0, r.count("Cannot find bounds"), r.describe());
        // The pass ran through under next: committed, or aborted by the program's own cpu check
        // when the thread moved between reading its cpu and the section (seen once under load).
        assertTrue(r.commits() + r.count("^rseq: percpu_counter_add\\+\\d+ aborted") >= 1, r.describe());
        assertFinishedOk(r, 600);
    }

    @Test
    void aThreadWhoseMaskChangesInsideIsSentToItsAbortHandler() {
        Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "needs 2 CPUs");
        // Started on CPU 0 only, the program never aborts a pass by its own cpu check: the one
        // abort is the bridge's, when the test takes CPU 0 from the thread's mask.
        GdbSession.Result r = GdbSession.bridge("spin-c2", "1", "20")
                .ex("set exec-wrapper taskset -c 0", "rseq policy inside", "break percpu_counter_add_spin", "run",
                        "delete")
                .python(ALLOWED + """
                        step_until(True)
                        gdb.execute("stepi 3", to_string=True)
                        tid = gdb.selected_thread().ptid[1]
                        cpu = rseqdbg_gdb.bridge().process.bindings.cpu(tid)
                        # what a cpuset change would do: the thread may no longer run where it started
                        os.sched_setaffinity(tid, set(os.sched_getaffinity(0)) - {cpu} or {cpu})
                        print("moved from %s" % cpu)
                        """)
                .ex("stepi", "continue").run();
        assertEquals(1, r.count("^rseq: percpu_counter_add_spin\\+\\d+ aborted \\(cpu changed\\)"), r.describe());
        assertFinishedOk(r, 20);
    }
}
