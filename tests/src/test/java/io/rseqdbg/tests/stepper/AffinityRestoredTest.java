package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A thread bound to its CPU while its rseq_cs is cleared gets its own CPU mask back: after a
 * bounded run, after Ctrl-C, and whatever the policy, every thread of an attached program has the
 * {@code Cpus_allowed_list} it had before rseqdbg came.
 */
class AffinityRestoredTest {

    @TempDir
    Path dir;
    private Process target;

    @AfterEach
    void stopTarget() {
        if (target != null) {
            target.destroyForcibly();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"inside", "skip"})
    void aBoundedAttachedRunGivesEveryThreadItsOwnMaskBack(String policy) throws Exception {
        startTarget();
        Map<String, String> before = masks(target.pid());
        Targets.Run run = Rseqdbg.launch("step", "--policy", policy, "--pid", Long.toString(target.pid()),
                "--max-steps", "40000", "--json").timeout(Duration.ofSeconds(120)).run().requireExit(0);
        assertTrue(boundSections(run.lastLine()) > 0, "some section ran with rseq_cs cleared: " + run.describe());
        assertEquals(before, masks(target.pid()));
        assertTargetCompletes();
    }

    @Test
    void bindRunsTheWholeProgramOnOneCpuAndGivesEveryThreadItsOwnMaskBack() throws Exception {
        startTarget();
        Map<String, String> before = masks(target.pid());
        Path err = dir.resolve("err.txt");
        Process rseqdbg = new ProcessBuilder(Rseqdbg.commandLine("step", "--bind=1", "--json", "--max-steps",
                "100000", "--pid", Long.toString(target.pid()))).redirectInput(new File("/dev/null"))
                .redirectOutput(dir.resolve("out.txt").toFile()).redirectError(err.toFile()).start();
        awaitMasks(target.pid(), "1", err);
        assertTrue(rseqdbg.waitFor(180, TimeUnit.SECONDS), "rseqdbg hangs");
        String json = Files.readString(dir.resolve("out.txt"));
        assertEquals(0, rseqdbg.exitValue(), json + Files.readString(err));
        assertTrue(json.contains("\"boundToCpu\":1"), json);
        assertEquals(before, masks(target.pid()));
        assertTargetCompletes();
    }

    /** Waits until every thread of the program has the CPU list {@code list}. */
    private static void awaitMasks(long pid, String list, Path err) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Map<String, String> now = masks(pid);
            if (!now.isEmpty() && now.values().stream().allMatch(list::equals)) {
                return;
            }
            Thread.sleep(1);
        }
        throw new AssertionError("the threads never all ran on CPU list " + list + ": " + masks(pid)
                + "\n" + Files.readString(err));
    }

    @Test
    void ctrlCGivesEveryThreadItsOwnMaskBack() throws Exception {
        startTarget();
        Map<String, String> before = masks(target.pid());
        Path err = dir.resolve("err.txt");
        Process rseqdbg = new ProcessBuilder(Rseqdbg.commandLine("step", "--policy", "inside", "--pid",
                Long.toString(target.pid()))).redirectInput(new File("/dev/null"))
                .redirectOutput(dir.resolve("out.txt").toFile()).redirectError(err.toFile()).start();
        awaitBinding(target.pid(), err);
        new ProcessBuilder("kill", "-INT", Long.toString(rseqdbg.pid())).start().waitFor();
        assertTrue(rseqdbg.waitFor(120, TimeUnit.SECONDS), "rseqdbg hangs after SIGINT");
        assertTrue(Files.readString(err).contains("interrupted, detached"), Files.readString(err));
        assertEquals(before, masks(target.pid()), () -> "target: " + read(dir.resolve("target.txt")));
        assertTargetCompletes();
    }

    private void startTarget() throws IOException, InterruptedException {
        target = new ProcessBuilder(Targets.path("counter").toString(), "2", "1500000000")
                .redirectOutput(dir.resolve("target.txt").toFile()).redirectErrorStream(true).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (masks(target.pid()).size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(10); // waiting for its two workers to exist
        }
        assertEquals(3, masks(target.pid()).size(), "the target runs a main thread and two workers");
    }

    /** Waits until some thread of the program is bound to one CPU by rseqdbg. */
    private static void awaitBinding(long pid, Path err) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (masks(pid).values().stream().anyMatch(m -> m.matches("\\d+"))) {
                return;
            }
            Thread.sleep(1);
        }
        throw new AssertionError("no thread was ever bound to one CPU: " + Files.readString(err));
    }

    private void assertTargetCompletes() throws Exception {
        assertTrue(target.waitFor(240, TimeUnit.SECONDS));
        String out = Files.readString(dir.resolve("target.txt"));
        assertEquals(0, target.exitValue(), out);
        assertTrue(out.contains("ok ops=3000000000 "), out);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static long boundSections(String json) {
        Matcher m = Pattern.compile("\"bound\":(\\d+)").matcher(json);
        assertTrue(m.find(), json);
        return Long.parseLong(m.group(1));
    }

    /** tid -> Cpus_allowed_list of every thread of {@code pid}. */
    static Map<String, String> masks(long pid) throws IOException {
        Map<String, String> masks = new TreeMap<>();
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (Stream<Path> list = Files.list(tasks)) {
            for (Path task : list.toList()) {
                try {
                    Files.readAllLines(task.resolve("status")).stream()
                            .filter(l -> l.startsWith("Cpus_allowed_list:"))
                            .findFirst().ifPresent(l -> masks.put(task.getFileName().toString(), l.split(":\\s*")[1]));
                } catch (IOException e) {
                    // the thread exited meanwhile
                }
            }
        } catch (IOException e) {
            return masks; // the process is gone
        }
        assertFalse(masks.isEmpty() && Files.exists(tasks), "no thread status readable under " + tasks);
        return masks;
    }
}
