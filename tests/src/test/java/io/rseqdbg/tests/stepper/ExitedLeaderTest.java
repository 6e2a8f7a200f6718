package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A program whose main thread called pthread_exit, as many daemons do: its leader is a zombie
 * while its threads work, and the leader's /proc files that go through its memory (maps, exe,
 * mem) are empty. rseqdbg attaches to the live threads, reads the tables through one of them,
 * steps the program to its end under every policy, and reports its exit.
 */
@Timeout(600)
class ExitedLeaderTest {

    private static final String TARGET = "leader-exits-static";
    private static final Duration TIMEOUT = Duration.ofSeconds(240);
    private static final int THREADS = 2;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"inside", "skip", "opv"})
    void aProgramWhoseMainThreadExitedIsSteppedToItsEnd(String policy) throws Exception {
        try (RunningTarget program = RunningTarget.start(dir, TARGET, THREADS, 150, Map.of("RSEQDBG_AWAIT_TRACER", "1"))) {
            StepProcess.awaitState(program.pid(), 'Z');
            Targets.Run run = Rseqdbg.launch("step", "--pid", Long.toString(program.pid()), "--policy", policy)
                    .timeout(TIMEOUT).run().requireExit(0);
            assertTrue(run.stderr().contains(", " + THREADS + " threads"), run.describe());
            // Named by symbol: the tables were read, through a live thread's maps.
            assertTrue(run.stderr().contains("percpu_counter_add+"), run.describe());
            assertTrue(run.stderr().contains("the program exited with status 0"), run.describe());
            RunningTarget.Ended end = program.await(60);
            assertEquals(0, end.exitCode(), end.describe());
            assertEquals(Long.toString(THREADS * 150L), end.report().get("ops"), end.describe());
        }
    }

    @Test
    void detachedItKeepsNoBreakpointAndFinishes() throws Exception {
        Path release = dir.resolve("release");
        // At work when attached (a few seconds of it natively): every step is in its counting loop.
        long ops = 2_000_000_000L;
        try (RunningTarget program = RunningTarget.start(dir, TARGET, THREADS, ops,
                Map.of("RSEQDBG_HOLD_EXIT", release.toString()))) {
            StepProcess.awaitState(program.pid(), 'Z');
            // skip plants breakpoints at the sections' exits: the detach must take them all out.
            Targets.Run run = Rseqdbg.launch("step", "--pid", Long.toString(program.pid()), "--policy", "skip",
                    "--max-steps", "5000").timeout(TIMEOUT).run().requireExit(0);
            assertTrue(run.stderr().contains("percpu_counter_add+"), run.describe());
            assertEquals(List.of(), ProgramImage.differences(program.pid()), run.describe());
            Files.createFile(release);
            RunningTarget.Ended end = program.await(120);
            assertEquals(0, end.exitCode(), end.describe());
            assertEquals(Long.toString(THREADS * ops), end.report().get("ops"), end.describe());
        }
    }

    @Test
    void statusReadsItAsALiveProcess() throws Exception {
        try (RunningTarget program = RunningTarget.start(dir, TARGET, THREADS, 4_000_000_000L, Map.of())) {
            StepProcess.awaitState(program.pid(), 'Z');
            Targets.Run run = Rseqdbg.launch("status", "--pid", Long.toString(program.pid())).timeout(TIMEOUT).run()
                    .requireExit(0);
            assertEquals(THREADS, run.stdout().lines().filter(l -> l.startsWith("thread ")).count(), run.describe());
            assertTrue(run.stdout().contains(Targets.path(TARGET).toRealPath() + " (x86-64, bias 0x0): "), run.describe());
            assertTrue(run.stdout().contains(" critical sections, no problems"), run.describe());
            assertTrue(run.stdout().contains("glibc rseq: __rseq_size"), run.describe());
        }
    }
}
