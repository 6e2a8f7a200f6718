package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.elf.RseqTables;
import io.rseqdbg.tests.support.Targets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * rseqdbg SIGKILLed while a thread of an attached program stands on a breakpoint rseqdbg took
 * (its pc already moved back onto the int3's address) and another thread runs into it:
 * rseqdbg-tracer must put the byte back and leave that pc alone. It moved it back once more
 * before (a byte before the instruction: SIGSEGV, SIGTRAP or a wrong sum, 3 of 300 trials of the
 * fault matrix under skip); the other thread's unhandled hit is moved back once.
 */
@Timeout(300)
class BreakpointTakenWhenRseqdbgDiesTest {

    private static final String TARGET = "counter-static";
    private static final int THREADS = 2;
    private static final long OPS = 1_500_000_000L;

    @TempDir
    Path dir;

    @Test
    void theProgramRunsOnFromTheBreakpointsAddressWithItsOwnByteBack() throws Exception {
        Path release = dir.resolve("release");
        long address = RseqTables.read(Targets.path(TARGET)).symbolAddress("percpu_counter_add").orElseThrow();
        try (RunningTarget program = RunningTarget.start(dir, TARGET, THREADS, OPS,
                Map.of("RSEQDBG_HOLD_EXIT", release.toString()))) {
            assertTrue(program.awaitWorking(), "the program never got to work");
            String line = DyingRseqdbg.killAfterFirstLine(dir, HoldAtBreakpoint.class, program.pid(),
                    Long.toString(program.pid()), "0x" + Long.toHexString(address));
            assertEquals("hit", line);
            assertTrue(program.isAlive(), () -> "the program died: " + ended(program));
            assertEquals(List.of(), ProgramImage.differences(program.pid()).stream().map(Object::toString).toList());
            Files.createFile(release);
            RunningTarget.Ended end = program.await(240);
            assertEquals(0, end.exitCode(), end.describe());
            assertEquals(Long.toString(THREADS * OPS), end.report().get("ops"), end.describe());
        }
    }

    private static String ended(RunningTarget program) {
        try {
            return program.await(10).describe();
        } catch (InterruptedException | AssertionError e) {
            return e.toString();
        }
    }
}
