package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Processes;
import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Zombie;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code step --pid} on a process it cannot step: one already traced by another tracer (strace),
 * a zombie, and one that exits as rseqdbg attaches. Each ends with exit 2 and one true line
 * (the tracer named from /proc's TracerPid), or, for the exiting one that rseqdbg caught alive,
 * a stepped run to its end; never a stack trace or a hang.
 */
@Timeout(600)
class AttachRefusedTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void aProgramAlreadyTracedByStraceIsRefusedNamingTheTracer() throws Exception {
        try (RunningTarget program = RunningTarget.start(dir, "counter-static", 1, 4_000_000_000L, java.util.Map.of())) {
            Process strace = new ProcessBuilder("strace", "-f", "-o", "/dev/null", "-p", Long.toString(program.pid()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("strace.out").toFile()).start();
            try {
                StepProcess.awaitTraced(program.pid(), () -> "strace");
                Rseqdbg.launch("step", "--pid", Long.toString(program.pid())).timeout(TIMEOUT).run()
                        .requireOneLineError("attach " + program.pid() + ": already traced by process "
                                + StepProcess.tracerPid(program.pid()) + " (strace)");
                assertTrue(program.isAlive(), "the program is untouched");
            } finally {
                strace.destroyForcibly();
            }
        }
    }

    @Test
    void aZombieIsRefused() throws Exception {
        try (Zombie zombie = Zombie.of(Targets.path("counter-static").toString(), "1", "1")) {
            Rseqdbg.launch("step", "--pid", Integer.toString(zombie.pid())).timeout(TIMEOUT).run()
                    .requireOneLineError("attach " + zombie.pid() + ": the process has exited (a zombie)");
        }
    }

    @Test
    void aProgramExitingAsRseqdbgAttachesIsSteppedToItsEndOrRefusedInOneLine() throws Exception {
        for (int attempt = 0; attempt < 2; attempt++) {
            // About as long natively as rseqdbg takes to start: the attach lands near its end.
            int pid = Processes.startDetached(dir.resolve("program.out"), Targets.path("counter-static").toString(),
                    "1", Integer.toString(20_000_000 * (attempt + 1)));
            Targets.Run run = Rseqdbg.launch("step", "--pid", Integer.toString(pid), "--max-steps", "2000")
                    .timeout(TIMEOUT).run();
            assertTrue(!run.timedOut() && !run.stderr().contains("Exception"), run.describe());
            if (run.exitCode() == 2) {
                run.requireOneLineError(Integer.toString(pid));
            } else {
                run.requireExit(0);
            }
            assertTrue(Processes.awaitGone(pid, TIMEOUT), "the program never ended");
            assertTrue(Files.readString(dir.resolve("program.out")).contains("ok ops="), run.describe());
        }
    }
}
