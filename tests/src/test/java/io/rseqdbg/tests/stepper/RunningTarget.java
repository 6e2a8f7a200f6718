package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Targets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A test target running untraced, for {@code rseqdbg step --pid}: its output goes to files in a
 * test's folder, and the test waits for it to be at work before attaching and for its end after.
 */
final class RunningTarget implements AutoCloseable {

    /** CPU time (clock ticks of /proc/PID/stat, 10 ms each) well past a target's start-up (about 1 ms). */
    private static final long WORKING_TICKS = 2;

    private final Process process;
    private final int threads;
    private final Path out;
    private final Path err;

    private RunningTarget(Process process, int threads, Path out, Path err) {
        this.process = process;
        this.threads = threads;
        this.out = out;
        this.err = err;
    }

    /** Starts {@code target THREADS OPS_PER_THREAD} with {@code env} added to the environment. */
    static RunningTarget start(Path dir, String target, int threads, long opsPerThread, Map<String, String> env) {
        try {
            Path out = Files.createTempFile(dir, target, ".out");
            Path err = Files.createTempFile(dir, target, ".err");
            ProcessBuilder builder = new ProcessBuilder(Targets.path(target).toString(),
                    Integer.toString(threads), Long.toString(opsPerThread))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().putAll(env);
            return new RunningTarget(builder.start(), threads, out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits until the program is at its work: its worker threads exist (with more than one
     * thread) and it has used CPU time past its start-up. False when it ended first.
     */
    boolean awaitWorking() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (process.isAlive() && System.nanoTime() < deadline) {
            if ((threads == 1 || tasks() == threads + 1) && cpuTicks() >= WORKING_TICKS) {
                return true;
            }
            Thread.sleep(2);
        }
        return false;
    }

    /** Waits for the end; fails the test when it does not come within {@code seconds}. */
    Ended await(long seconds) throws InterruptedException {
        assertTrue(process.waitFor(seconds, TimeUnit.SECONDS), "the target did not finish in " + seconds + " s");
        return new Ended(process.exitValue(), read(out), read(err));
    }

    private int tasks() {
        try (Stream<Path> list = Files.list(Path.of("/proc", Long.toString(pid()), "task"))) {
            return (int) list.count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** utime + stime of the whole process. */
    private long cpuTicks() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    /** How the program ended: exit code (128 + signal when killed), its stdout and stderr. */
    record Ended(int exitCode, String stdout, String stderr) {

        /** The key=value pairs of the last {@code ok ...} line of stdout; empty when there is none. */
        Map<String, String> report() {
            List<String> lines = stdout.lines().filter(l -> l.startsWith("ok ")).toList();
            if (lines.isEmpty()) {
                return Map.of();
            }
            Map<String, String> report = new java.util.LinkedHashMap<>();
            for (String word : lines.get(lines.size() - 1).split("\\s+")) {
                int eq = word.indexOf('=');
                if (eq > 0) {
                    report.put(word.substring(0, eq), word.substring(eq + 1));
                }
            }
            return report;
        }

        String describe() {
            return "exit " + exitCode + "\n--- stdout:\n" + stdout + "--- stderr:\n" + stderr;
        }
    }
}
