package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * {@code --trace} and {@code record -o} on a full disk (/dev/full: every write fails with ENOSPC;
 * {@code --force}, since the name exists): one line naming the file and the reason, exit 2, and
 * the program, let go, finishes with its own checks passing (its ok line on rseqdbg's stdout).
 */
class FullDiskTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(180);

    @Test
    void aTraceFileThatFillsTheDiskMidRunIsOneLineAndTheProgramFinishes() {
        // Long enough that the 8 KiB buffer fills many times before the end.
        Targets.Run run = Rseqdbg.launch("step", "--force", "--trace", "/dev/full", "--",
                Targets.path("counter-static").toString(), "2", "3000000").timeout(TIMEOUT).run();
        run.requireOneLineError("rseqdbg step: cannot write the trace file /dev/full: No space left on device");
        assertTrue(run.stdout().contains("ok ops=6000000 "), "the program finishes: " + run.describe());
    }

    /** Behind {@code -Pfaults}: a serialized record of even a short run costs about 20 s here. */
    @Test
    @EnabledIfSystemProperty(named = "rseqdbg.faults", matches = "[1-9][0-9]*")
    void aRecordingThatCannotBeWrittenIsOneLineAndTheProgramFinishes() {
        Targets.Run run = Rseqdbg.launch("record", "--force", "-o", "/dev/full", "--",
                Targets.path("counter-static").toString(), "1", "3").timeout(TIMEOUT).run();
        run.requireOneLineError("rseqdbg record: cannot write /dev/full: No space left on device");
        assertTrue(run.stdout().contains("ok ops=3 "), "the program finishes: " + run.describe());
    }
}
