package io.rseqdbg.tests.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
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

    /** Steps with {@code next} until the selected frame is {@code work} (the caller), at most 20 times. */
    private static final String NEXT_OUT_TO_WORK = """
            import gdb
            for nexts in range(1, 21):
                gdb.execute("next")
                if gdb.selected_frame().name() == "work":
                    break
            print("nexts=%d in=%s" % (nexts, gdb.selected_frame().name()))
            """;

    @Test
    void nextThroughTheLineOfASectionGoesOnToTheFollowingLines() {
        // Free placement: when the program's own cpu check sends a pass to the symbol-less abort
        // handler, next goes on to the retry's lines (asserted certain in the test below).
        GdbSession.Result r = GdbSession.bridge("counter", "1", "1000")
                .ex("break percpu_counter_add", "run", "delete").python(NEXT_OUT_TO_WORK)
                .ex("rseq info", "continue").run();
        assertEquals(1, r.commits(), "the one pass that committed is reported once\n" + r.describe());
        assertEquals(1, r.count("^nexts=\\d+ in=work"), "next went on past the section, out to the caller\n" + r.describe());
        assertEquals(1, r.count("not in a critical section"), r.describe());
        assertEquals(0, r.count("Cannot find bounds"), r.describe());
        assertTrue(r.programSaidOk(1000) && r.programExitedNormally(), r.describe());
    }

    /**
     * Makes the abort certain: the thread stops after its program read the cpu (on the instruction
     * before the section's entry), the test moves it to another CPU, and the section's own cpu check
     * sends it to its abort handler, which has no symbol. next must end on a source line of the
     * retry, and the following nexts go on through the retry and out to the caller.
     */
    @Test
    void nextIntoTheSymbolLessAbortHandlerEndsOnTheRetrysLine() {
        Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "needs 2 CPUs");
        GdbSession.Result r = GdbSession.bridge("counter", "1", "100")
                .ex("break percpu_counter_add", "run", "delete")
                .python("""
                        import gdb, os, rseqdbg_gdb
                        process = rseqdbg_gdb.bridge().process
                        placement = [p for p in process._placements if p.section.name.startswith("percpu_counter_add+")][0]
                        function = int(gdb.parse_and_eval("(long)&percpu_counter_add"))
                        arch = gdb.selected_inferior().architecture()
                        before = [i["addr"] for i in arch.disassemble(function, placement.entry)
                                  if i["addr"] + i["length"] == placement.entry][0]
                        gdb.execute("tbreak *0x%x" % before, to_string=True)
                        gdb.execute("continue", to_string=True)
                        tid = gdb.selected_thread().ptid[1]
                        cpu = process.areas.cpu_id(tid)
                        os.sched_setaffinity(tid, {sorted(set(os.sched_getaffinity(0)) - {cpu})[0]})
                        gdb.execute("next")
                        sal = gdb.find_pc_line(int(gdb.parse_and_eval("$pc")))
                        print("after the abort: %s:%d" % (sal.symtab.filename if sal.symtab else None, sal.line))
                        """)
                .python(NEXT_OUT_TO_WORK)
                .ex("continue").run();
        assertEquals(1, r.count("^rseq: percpu_counter_add\\+\\d+ aborted$"), r.describe());
        assertEquals(1, r.count("^after the abort: runtime/percpu.c:[1-9]\\d*$"),
                "next ended on a source line of the retry, in the section's file\n" + r.describe());
        assertEquals(0, r.count("Cannot find bounds"), r.describe());
        assertEquals(1, r.count("^nexts=\\d+ in=work"), "and nexts go on out to the caller\n" + r.describe());
        assertTrue(r.commits() >= 1, "the retry committed\n" + r.describe());
        assertEquals(1, r.count("^ok ops=100 fallback=0 aborts=[1-9]"), "exact result, the abort counted\n" + r.describe());
        assertTrue(r.programExitedNormally(), r.describe());
    }

    @Test
    void stepIntoTheFunctionAndThroughItsSection() {
        GdbSession.Result r = GdbSession.bridge("counter", "1", "1000")
                .ex("break counter.c:90", "run", "delete", "step", "step 100", "continue").run();
        assertTrue(r.commits() >= 1, r.describe());
        assertTrue(r.programSaidOk(1000) && r.programExitedNormally(), r.describe());
    }
}
