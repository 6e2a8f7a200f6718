package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Targets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Job control under {@code rseqdbg step}, on real processes: a program stopped by SIGSTOP stays
 * stopped as the user left it, whether it was stopped before the attach or while being stepped;
 * SIGCONT lets it go on, and it finishes with its own checks passing.
 */
@Timeout(600)
class JobControlStepTest {

    private static final String NOTICE = "stays stopped; stepping goes on when it gets SIGCONT";

    @TempDir
    Path dir;

    /** counter-c2 at its work, then stopped by SIGSTOP before rseqdbg attaches. */
    private RunningTarget stoppedTarget() throws Exception {
        RunningTarget target = RunningTarget.start(dir, "counter-c2", 2, 30_000_000, Map.of());
        assertTrue(target.awaitWorking(), "the target ended before it was at work");
        StepProcess.kill("STOP", target.pid());
        StepProcess.awaitState(target.pid(), 'T');
        return target;
    }

    @Test
    void aProgramStoppedBeforeTheAttachStaysStoppedUntilSigcontThenIsSteppedAndFinishes() throws Exception {
        try (RunningTarget target = stoppedTarget()) {
            Path trace = dir.resolve("trace.tsv");
            StepProcess rseqdbg = StepProcess.start(dir, trace, "step", "--policy", "skip", "--pid",
                    Long.toString(target.pid()), "--max-steps", "200", "--trace", trace.toString(), "--json");
            rseqdbg.awaitStderr(NOTICE);
            assertNotEquals(0, StepProcess.tracerPid(target.pid()), "attached");
            assertEquals('t', StepProcess.state(target.pid()), "still stopped, under the tracer");
            StepProcess.kill("CONT", target.pid());
            assertTrue(rseqdbg.process.waitFor(300, TimeUnit.SECONDS), "rseqdbg never ended: " + rseqdbg.stderr());
            assertEquals(0, rseqdbg.process.exitValue(), rseqdbg.stderr());
            // 200, or a little more: a step another thread had in flight at the 200th is counted
            // (it ran); 3 threads, so at most 2 more (once 201 in a clean-clone run).
            java.util.regex.Matcher steps = java.util.regex.Pattern.compile("\"steps\":(\\d+)").matcher(rseqdbg.stdout());
            assertTrue(steps.find(), rseqdbg.stdout() + rseqdbg.stderr());
            long counted = Long.parseLong(steps.group(1));
            assertTrue(counted >= 200 && counted <= 202, counted + " steps: " + rseqdbg.stdout() + rseqdbg.stderr());
            List<String> lines = rseqdbg.traceText().lines().toList();
            int continued = lines.indexOf(lines.stream().filter(l -> l.endsWith("\tjob-continue")).findFirst().orElseThrow());
            assertTrue(lines.subList(0, continued).stream().noneMatch(l -> l.endsWith("\tstep")),
                    "not one step before SIGCONT: " + lines.subList(0, continued + 1));
            RunningTarget.Ended end = target.await(300);
            assertEquals(0, end.exitCode(), end.describe());
            assertEquals("60000000", end.report().get("ops"), end.describe());
        }
    }

    @Test
    void ctrlCWhileTheAttachedProgramIsStoppedDetachesAndLeavesItStopped() throws Exception {
        try (RunningTarget target = stoppedTarget()) {
            StepProcess rseqdbg = StepProcess.start(dir, null, "step", "--pid", Long.toString(target.pid()));
            rseqdbg.awaitStderr(NOTICE);
            StepProcess.kill("INT", rseqdbg.process.pid());
            assertTrue(rseqdbg.process.waitFor(120, TimeUnit.SECONDS), "rseqdbg hangs after Ctrl-C: " + rseqdbg.stderr());
            assertEquals(0, rseqdbg.process.exitValue(), rseqdbg.stderr());
            assertTrue(rseqdbg.stderr().contains("interrupted, detached"), rseqdbg.stderr());
            assertTrue(rseqdbg.stderr().contains("the program is still stopped by SIGSTOP; kill -CONT " + target.pid()
                    + " lets it go on"), rseqdbg.stderr());
            assertEquals(0, StepProcess.tracerPid(target.pid()), "detached");
            assertEquals('T', StepProcess.state(target.pid()), "stopped, as the user left it");
            StepProcess.kill("CONT", target.pid());
            RunningTarget.Ended end = target.await(300);
            assertEquals(0, end.exitCode(), end.describe());
            assertEquals("60000000", end.report().get("ops"), end.describe());
        }
    }

    @Test
    void sigstopAndSigcontWhileSteppingPauseTheProgramWhichThenFinishesCorrectly() throws Exception {
        Path trace = dir.resolve("trace.tsv");
        StepProcess rseqdbg = StepProcess.start(dir, trace, "step", "--trace", trace.toString(), "--",
                Targets.path("counter").toString(), "2", "50");
        try {
            rseqdbg.awaitTraceLine(l -> l.contains("\tenter "), "entering a section (the program at its work)");
            long pid = Long.parseLong(rseqdbg.traceText().lines().findFirst().orElseThrow().split("\t")[0]);
            long stopSender = StepProcess.kill("STOP", pid);
            rseqdbg.awaitStderr(NOTICE);
            long contSender = StepProcess.kill("CONT", pid);
            assertTrue(rseqdbg.process.waitFor(300, TimeUnit.SECONDS), "rseqdbg never ended: " + rseqdbg.stderr());
            assertEquals(0, rseqdbg.process.exitValue(), rseqdbg.stderr());
            assertTrue(rseqdbg.stdout().contains("ok ops=100 "), rseqdbg.stdout() + rseqdbg.stderr());
            assertTrue(rseqdbg.stderr().contains("got SIGCONT; stepping goes on"), rseqdbg.stderr());
            String lines = rseqdbg.traceText();
            assertTrue(lines.contains("\tsignal 19 code=0 pid=" + stopSender + "\n"), "SIGSTOP with its sender");
            assertTrue(lines.contains("\tsignal 18 code=0 pid=" + contSender + "\n"), "SIGCONT with its sender");
            assertTrue(lines.contains("\tjob-stop signal=19\n"), "the job-control stop is traced");
        } finally {
            rseqdbg.process.destroyForcibly();
        }
    }
}
