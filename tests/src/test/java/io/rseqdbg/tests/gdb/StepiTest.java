package io.rseqdbg.tests.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** gdb's own stepi, with the bridge loaded, goes through critical sections instead of looping in them. */
class StepiTest {

    @Test
    void stepiHundredThousandGetsThroughThousandsOfSectionsAndTheProgramFinishes() {
        GdbSession.Result r = GdbSession.bridge("counter", "1", "100000")
                .ex("break main", "run", "stepi 100000", "rseq info", "continue").run();
        assertTrue(r.commits() >= 1000, "commits: " + r.commits() + "\n" + r.describe());
        assertEquals(1, r.count("not in a critical section"), "stepi must never end inside\n" + r.describe());
        assertTrue(r.programSaidOk(100000) && r.programExitedNormally(), r.describe());
    }

    @Test
    void nextiAlsoGoesThrough() {
        GdbSession.Result r = GdbSession.bridge("counter", "1", "1000")
                .ex("break percpu_counter_add", "run", "delete", "nexti 3000", "continue").run();
        assertTrue(r.commits() >= 20, "commits: " + r.commits() + "\n" + r.describe());
        assertTrue(r.programSaidOk(1000) && r.programExitedNormally(), r.describe());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"counter-noexit", "counter-legacy", "counter-lld", "counter-static", "counter-i386"})
    void stepiGoesThroughTheSectionsOfEveryBuildVariant(String target) {
        io.rseqdbg.tests.support.Targets.assumeRunnable(target);
        // counter-noexit declares no exits: its sections are single-stepped with rseq_cs cleared
        GdbSession.Result r = GdbSession.bridge(target, "1", "300")
                .ex("break percpu_counter_add", "run", "delete", "stepi 1500", "continue").run();
        assertTrue(r.commits() >= 10, "commits: " + r.commits() + "\n" + r.describe());
        assertTrue(r.programSaidOk(300) && r.programExitedNormally(), r.describe());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"skip", "inside"})
    void aSectionWithoutATableIsFoundFromTheLiveRseqCs(String policy) {
        // counter-notable has no table: the bridge has no guard for it and knows it only when gdb
        // stops the thread inside, from its rseq_cs (as rseqdbg step does); one stepi at a time.
        // On one CPU: a thread moved between reading its cpu and entering the section aborts the
        // pass by the program's own check (failed twice that way under load in a clean-clone run).
        GdbSession.Result r = GdbSession.bridge("counter-notable", "1", "200")
                .ex("set exec-wrapper taskset -c 0", "rseq policy " + policy, "break percpu_counter_add", "run",
                        "delete")
                .python("""
                        import gdb
                        for _ in range(150):
                            gdb.execute("stepi")
                        """)
                .ex("continue").run();
        assertTrue(r.count("^rseq: percpu_counter_add\\+\\d+ committed") >= 2, r.describe());
        assertTrue(r.programSaidOk(200) && r.programExitedNormally(), r.describe());
    }
}
