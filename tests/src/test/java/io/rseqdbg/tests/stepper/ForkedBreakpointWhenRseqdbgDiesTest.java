package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Processes;
import io.rseqdbg.tests.support.Targets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * rseqdbg SIGKILLed after the program forked with one of rseqdbg's breakpoints planted: the
 * child's memory is a copy, int3 included, and rseqdbg-tracer must put the byte back there too.
 * It restored the parent only, so the child died of SIGTRAP at its first call through the copy.
 */
@Timeout(300)
class ForkedBreakpointWhenRseqdbgDiesTest {

    @TempDir
    Path dir;

    @Test
    void theForkedChildsCopyOfABreakpointIsPutBack() throws Exception {
        Path out = dir.resolve("fork-ticks.out");
        Path go = dir.resolve("go");
        int pid = Processes.startDetached(out, Targets.path("fork-ticks").toString(), go.toString());
        try {
            long tick = Processes.symbol(pid, "fork-ticks", "tick");
            String line = DyingRseqdbg.killAfterFirstLine(dir, HoldForkedBreakpoint.class, pid,
                    Integer.toString(pid), "0x" + Long.toHexString(tick), go.toString());
            assertTrue(line.startsWith("forked "), line);
            int child = Integer.parseInt(line.substring("forked ".length()));
            assertEquals(0, Processes.tracerPid(child), "the child is let go too");
            assertEquals(List.of(), ProgramImage.differences(child).stream().map(Object::toString).toList(),
                    "bytes left in the child");
            assertTrue(Processes.awaitGone(pid, Duration.ofSeconds(60)), "fork-ticks never ended");
            assertEquals("fork-ticks ok child=" + child + "\n", Files.readString(out));
        } finally {
            ProcessHandle.of(pid).ifPresent(p -> {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            });
        }
    }
}
