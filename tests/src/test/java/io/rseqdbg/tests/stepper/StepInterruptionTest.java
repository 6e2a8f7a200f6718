package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * rseqdbg interrupted (SIGINT, SIGTERM), the tracee killed, and attach/detach: the program
 * always goes on and completes with its own checks passing, and rseqdbg never hangs.
 */
class StepInterruptionTest {

    private static final String COUNTER = "counter-static";

    @TempDir
    Path dir;

    /** Two policies; SignalledRseqdbgTest draws signals, ways and policies at random points. */
    @ParameterizedTest(name = "{0} under {1}")
    @CsvSource({"INT, inside", "TERM, none"})
    void aSignalToRseqdbgDetachesAndTheProgramCompletes(String signal, String policy) throws Exception {
        StepProcess run = steppingCounter("--policy", policy);
        Process rseqdbg = run.process;
        ProcessHandle tracee = traceeOf(rseqdbg, COUNTER);
        StepProcess.kill(signal, rseqdbg.pid());
        assertTrue(rseqdbg.waitFor(120, TimeUnit.SECONDS), "rseqdbg hangs after SIG" + signal);
        String stdout = run.stdout();
        String stderr = run.stderr();
        assertEquals(0, rseqdbg.exitValue(), stdout + stderr);
        assertTrue(stdout.contains("ok ops=400000 "), "the program completes correctly: " + stdout + stderr);
        assertTrue(stderr.contains("interrupted, detached"), stderr);
        assertFalse(stderr.contains("Exception"), stderr);
        assertFalse(tracee.isAlive());
    }

    @Test
    void theTraceeKilledMidStepIsReportedWithoutAHang() throws Exception {
        StepProcess run = steppingCounter();
        Process rseqdbg = run.process;
        ProcessHandle tracee = traceeOf(rseqdbg, COUNTER);
        StepProcess.kill("KILL", tracee.pid());
        assertTrue(rseqdbg.waitFor(60, TimeUnit.SECONDS), "rseqdbg hangs after its tracee was killed");
        assertEquals(128 + 9, rseqdbg.exitValue(), run.stderr());
        assertTrue(run.stderr().contains("status 137"), run.stderr());
    }

    @Test
    void attachStepsABoundedNumberOfStepsDetachesAndTheTargetFinishes() throws Exception {
        // Long enough natively (seconds) that rseqdbg's start-up never misses it on a busy machine.
        Process target = new ProcessBuilder(Targets.path("counter").toString(), "2", "2000000000")
                .redirectOutput(dir.resolve("target.txt").toFile()).redirectErrorStream(true).start();
        awaitThreads(target.pid(), 3);
        Targets.Run run = Rseqdbg.launch("step", "--pid", Long.toString(target.pid()), "--max-steps", "5000", "--json")
                .timeout(Duration.ofSeconds(120)).run().requireExit(0);
        assertTrue(run.lastLine().contains("\"end\":\"max-steps\""), run.describe());
        assertTrue(run.lastLine().contains("\"steps\":5000"), run.describe());
        assertTrue(target.waitFor(240, TimeUnit.SECONDS));
        assertEquals(0, target.exitValue(), Files.readString(dir.resolve("target.txt")));
        assertTrue(Files.readString(dir.resolve("target.txt")).contains("ok ops=4000000000 "));
    }

    /**
     * {@code rseqdbg step OPTIONS -- counter-static 2 200000}, returned once stepping has reached
     * the program's own work: its trace shows a section entered. Static: no dynamic loader to
     * single-step first (about 7 s a run); what is claimed is about the signal, not linking.
     */
    private StepProcess steppingCounter(String... options) throws InterruptedException {
        Path trace = dir.resolve("trace.tsv");
        List<String> args = new ArrayList<>(List.of("step", "--trace", trace.toString()));
        args.addAll(List.of(options));
        args.addAll(List.of("--", Targets.path(COUNTER).toString(), "2", "200000"));
        StepProcess run = StepProcess.start(dir, trace, args.toArray(String[]::new));
        run.awaitTraceLine(l -> l.contains("\tenter "), "entering a section");
        return run;
    }

    /** Waits until process {@code pid} runs {@code count} threads (its workers have started). */
    private static void awaitThreads(long pid, int count) throws IOException, InterruptedException {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (var list = Files.list(tasks)) {
                if (list.count() >= count) {
                    return;
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("process " + pid + " never ran " + count + " threads");
    }

    /** The traced program: the rseqdbg JVM's grandchild, under the launcher. */
    private static ProcessHandle traceeOf(Process rseqdbg, String name) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> found = new ArrayList<>();
            rseqdbg.descendants().filter(p -> p.info().command().map(c -> c.endsWith("/" + name)).orElse(false))
                    .forEach(found::add);
            Optional<ProcessHandle> tracee = found.stream().findFirst();
            if (tracee.isPresent()) {
                return tracee.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no " + name + " process under rseqdbg");
    }
}
