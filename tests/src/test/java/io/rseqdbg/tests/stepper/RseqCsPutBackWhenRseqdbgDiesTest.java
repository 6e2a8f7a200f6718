package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.elf.RseqTables;
import io.rseqdbg.tests.support.Processes;
import io.rseqdbg.tests.support.Targets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * rseqdbg SIGKILLed after it cleared a thread's {@code rseq_cs} in one section and again in the
 * next: rseqdbg-tracer must put back the second section's descriptor. Two bugs failed this: the
 * stepper cleared the field as plain memory, unrecorded, so the let-go left it cleared; and the
 * tracer kept the first clear's descriptor, which the kernel ignores outside that section's range.
 * Either way a thread let go inside its section ran it unprotected: SIGKILL-ed under inside, the
 * fault matrix saw counter-c2 fail "cpu_id 1 at start, 0 before commit" about once in 200
 * attached trials. The program is stopped (SIGSTOP) throughout, so the field reads as the
 * let-go left it.
 */
@Timeout(300)
class RseqCsPutBackWhenRseqdbgDiesTest {

    private static final String TARGET = "counter-static";
    private static final long OPS = 1_500_000_000L;

    @TempDir
    Path dir;

    @Test
    void theDescriptorOfTheSectionLastClearedIsPutBack() throws Exception {
        Path release = dir.resolve("release");
        List<CriticalSection> sections = RseqTables.read(Targets.path(TARGET)).criticalSections();
        long first = sections.get(0).descriptor();
        long second = sections.get(1).descriptor();
        try (RunningTarget program = RunningTarget.start(dir, TARGET, 1, OPS,
                Map.of("RSEQDBG_HOLD_EXIT", release.toString()))) {
            assertTrue(program.awaitWorking(), "the program never got to work");
            StepProcess.kill("STOP", program.pid());
            StepProcess.awaitState(program.pid(), 'T');
            long field = Long.decode(DyingRseqdbg.killAfterFirstLine(dir, ClearRseqCsOfTwoSections.class, program.pid(),
                    Long.toString(program.pid()), "0x" + Long.toHexString(first), "0x" + Long.toHexString(second)));
            // Let go as it was, stopped: a detached thread passes through R on its way back into the group stop.
            StepProcess.awaitState(program.pid(), 'T');
            long now = ByteBuffer.wrap(Processes.rawMemory((int) program.pid(), field, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals("0x" + Long.toHexString(second), "0x" + Long.toHexString(now), "rseq_cs after the let-go");
            StepProcess.kill("CONT", program.pid());
            Files.createFile(release);
            RunningTarget.Ended end = program.await(240);
            assertEquals(0, end.exitCode(), end.describe());
            assertEquals(Long.toString(OPS), end.report().get("ops"), end.describe());
        }
    }
}
