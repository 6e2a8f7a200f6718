package io.rseqdbg.tests.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Stepping one thread of a multi-threaded program while the others run into sections too. */
class ThreadsTest {

    @Test
    void steppingOneOfFourThreadsUnderSchedulerLockingStepKeepsTheSumExact() {
        GdbSession.Result r = GdbSession.bridge("counter", "4", "3000")
                .env("RSEQDBG_GDB_VERIFY_HELD", "1")
                .ex("set scheduler-locking step", "break percpu_counter_add", "run", "delete",
                        "stepi 3000", "next 40", "rseq info", "continue").run();
        assertTrue(r.commits() >= 50, "commits of the stepped thread: " + r.commits() + "\n" + r.describe());
        assertEquals(0, r.count("were running"), "every run out of a section had the other threads held\n" + r.describe());
        assertTrue(r.programSaidOk(12000) && r.programExitedNormally(), r.describe());
    }

    @Test
    void otherThreadsRunningIntoSectionsWhileOneIsSteppedAreRunOutAndCounted() {
        GdbSession.Result r = GdbSession.bridge("counter", "4", "3000")
                .env("RSEQDBG_GDB_VERIFY_HELD", "1")
                .ex("break percpu_counter_add", "run", "delete", "stepi 3000", "rseq info", "continue").run();
        assertEquals(1, r.count("^Sections run out so far: .*committed \\d{3,}"), r.describe());
        assertEquals(0, r.count("were running"), r.describe());
        assertTrue(r.programSaidOk(12000) && r.programExitedNormally(), r.describe());
    }
}
