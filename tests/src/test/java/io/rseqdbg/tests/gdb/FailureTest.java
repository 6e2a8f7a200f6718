package io.rseqdbg.tests.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When the bridge cannot work, it says so once and gdb behaves as if it were not loaded. */
class FailureTest {

    @Test
    void missingJarGivesOneMessageAndGdbStillSteps() {
        GdbSession.Result r = GdbSession.loader("counter", "1", "100")
                .env("RSEQDBG_JAR", "/nonexistent/rseqdbg.jar")
                .ex("break main", "run", "stepi 5", "next", "rseq info", "continue").run();
        assertEquals(1, r.count("^rseq: no rseqdbg jar at /nonexistent/rseqdbg.jar"), r.describe());
        assertEquals(1, r.count("^The rseqdbg bridge is off: no rseqdbg jar"), "rseq info says why\n" + r.describe());
        assertEquals(0, r.count("Traceback|Python Exception|Error occurred in Python"), r.describe());
        assertTrue(r.programSaidOk(100) && r.programExitedNormally(), r.describe());
    }

    @Test
    void missingJavaGivesOneMessageAndGdbStillSteps() {
        GdbSession.Result r = GdbSession.loader("counter", "1", "100")
                .env("JAVA_HOME", "/nonexistent")
                .env("PATH", "/usr/bin/nonexistent-dir")
                .ex("break main", "run", "stepi 5", "continue").run();
        assertEquals(1, r.count("^rseq: no Java found"), r.describe());
        assertTrue(r.programSaidOk(100) && r.programExitedNormally(), r.describe());
    }

    @Test
    void loaderSourcedTwiceLoadsTheBridgeOnce() {
        GdbSession.Result r = GdbSession.loader("counter", "1", "100")
                .ex("source " + GdbSession.home().resolve("gdb-bridge/src/main/python/rseqdbg-gdb.py"),
                        "break percpu_counter_add", "run", "delete", "stepi 500", "continue").run();
        assertEquals(0, r.count("Traceback|Python Exception"), r.describe());
        assertTrue(r.commits() >= 1, r.describe());
        assertTrue(r.programSaidOk(100) && r.programExitedNormally(), r.describe());
    }
}
