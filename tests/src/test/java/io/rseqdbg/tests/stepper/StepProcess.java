package io.rseqdbg.tests.stepper;

import io.rseqdbg.tests.support.Rseqdbg;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An {@code rseqdbg} command run in the background with its stdout, stderr (and, when asked, its
 * {@code --trace} file) in a test's folder, so a test can wait for what it says instead of for a
 * fixed time: a line on stderr, a line in the trace, the traced program under it.
 */
final class StepProcess {

    /** Generous: the machine may be shared and loaded. */
    private static final long WAIT_SECONDS = 120;

    final Process process;
    final Path out;
    final Path err;
    final Path trace;

    private StepProcess(Process process, Path out, Path err, Path trace) {
        this.process = process;
        this.out = out;
        this.err = err;
        this.trace = trace;
    }

    /** Runs {@code rseqdbg args...}; {@code trace}, when not null, is the --trace file given in args. */
    static StepProcess start(Path dir, Path trace, String... args) {
        Path out = dir.resolve("rseqdbg.out");
        Path err = dir.resolve("rseqdbg.err");
        try {
            Process p = new ProcessBuilder(Rseqdbg.commandLine(args)).redirectInput(new File("/dev/null"))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            return new StepProcess(p, out, err, trace);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String stdout() {
        return read(out);
    }

    String stderr() {
        return read(err);
    }

    String traceText() {
        return trace == null ? "" : read(trace);
    }

    /** Waits until stderr contains {@code text}; fails the test when rseqdbg ends first or never says it. */
    void awaitStderr(String text) throws InterruptedException {
        await(() -> stderr().contains(text), "rseqdbg never said \"" + text + "\"");
    }

    /** Waits until some line of the trace file matches {@code line}; reads only what was added since the last look. */
    void awaitTraceLine(Predicate<String> line, String what) throws InterruptedException {
        long[] scanned = {0};
        StringBuilder partial = new StringBuilder();
        await(() -> {
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(trace.toFile(), "r")) {
                byte[] added = new byte[(int) Math.min(f.length() - scanned[0], 1 << 22)];
                f.seek(scanned[0]);
                f.readFully(added);
                scanned[0] += added.length;
                partial.append(new String(added, java.nio.charset.StandardCharsets.UTF_8));
                int end = partial.lastIndexOf("\n");
                if (end < 0) {
                    return false;
                }
                boolean found = partial.substring(0, end).lines().anyMatch(line);
                partial.delete(0, end + 1);
                return found;
            } catch (IOException e) {
                return false; // not written yet
            }
        }, "no trace line " + what);
    }

    private void await(java.util.function.BooleanSupplier condition, String failure) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (!process.isAlive() && !condition.getAsBoolean()) {
                throw new AssertionError(failure + " (it exited with " + process.exitValue() + "): " + stderr());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(failure + " in " + WAIT_SECONDS + " s: " + stderr());
            }
            Thread.sleep(10);
        }
    }

    /** Sends {@code kill -SIGNAL pid}; returns the pid of the kill process (the sender the siginfo names). */
    static long kill(String signal, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
        if (kill.waitFor() != 0) {
            throw new AssertionError("kill -" + signal + " " + pid + " failed");
        }
        return kill.pid();
    }

    /** The state letter of /proc/PID/stat (R, S, T stopped, t in a ptrace stop, ...), '?' when gone. */
    static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (IOException e) {
            return '?';
        }
    }

    /** TracerPid of /proc/PID/status: 0 when nothing traces the process. */
    static int tracerPid(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(l -> l.startsWith("TracerPid:")).map(l -> Integer.parseInt(l.substring(10).trim()))
                    .findFirst().orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Waits (up to 60 s) until process {@code pid} is traced (TracerPid set); {@code who} names the tracer awaited. */
    static void awaitTraced(long pid, java.util.function.Supplier<String> who) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (tracerPid(pid) == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(who.get() + " never traced " + pid);
            }
            Thread.sleep(2);
        }
    }

    /** Waits (up to {@code seconds}) until process {@code pid} has no tracer, or is gone; false when that never happens. */
    static boolean awaitUntraced(long pid, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (tracerPid(pid) == 0 || !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                return true;
            }
            Thread.sleep(1);
        }
        return false;
    }

    /** Waits until process {@code pid} is in state {@code wanted} (by job control, 'T'). */
    static void awaitState(long pid, char wanted) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (state(pid) != wanted) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("process " + pid + " is in state " + state(pid) + ", never " + wanted);
            }
            Thread.sleep(5);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
