package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * rseqdbg SIGKILLed while it holds back a signal the program was sent (the thread that took it
 * stays in its signal stop, as a thread held while another runs a section does): rseqdbg-tracer
 * detaches that thread with the signal, so the program gets it as if never traced.
 */
@Timeout(300)
class SignalHeldWhenRseqdbgDiesTest {

    @TempDir
    Path dir;

    @Test
    void theProgramGetsTheSignalRseqdbgHeldBack() throws Exception {
        try (RunningTarget program = RunningTarget.start(dir, "counter-static", 2, 1_500_000_000L, Map.of())) {
            assertTrue(program.awaitWorking(), "the program never got to work");
            assertEquals("held", DyingRseqdbg.killAfterFirstLine(dir, HoldSignal.class, program.pid(),
                    Long.toString(program.pid())));
            RunningTarget.Ended end = program.await(60);
            assertEquals(128 + 15, end.exitCode(), "killed by its SIGTERM: " + end.describe());
        }
    }
}
