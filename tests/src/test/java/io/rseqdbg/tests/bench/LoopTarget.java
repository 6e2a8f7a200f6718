package io.rseqdbg.tests.bench;

import io.rseqdbg.tests.support.Targets;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * plain-loop with a count it never reaches, running untraced: every single-stepper in the rate
 * benchmark attaches to it in turn, steps, and detaches, so all of them step the same
 * instructions — its counted loop — and none of them pays for ld.so start-up.
 */
final class LoopTarget implements AutoCloseable {

    /** About 10^12 iterations: a quarter of an hour untraced, far more than any run here. */
    private static final String FOREVER = "1000000000000";
    /** The target prints nothing before its loop; a few ms reach it, this leaves room for a busy machine. */
    private static final long SETTLE_MILLIS = 200;

    private final Process process;
    private final OptionalInt cpu;

    private LoopTarget(Process process, OptionalInt cpu) {
        this.process = process;
        this.cpu = cpu;
    }

    /** Starts the loop, bound to {@code cpu} when present (taskset execs, so the pid is the loop's). */
    static LoopTarget start(OptionalInt cpu) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (cpu.isPresent()) {
            command.addAll(List.of("taskset", "-c", Integer.toString(cpu.getAsInt())));
        }
        command.addAll(List.of(Targets.path("plain-loop").toString(), FOREVER));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Thread.sleep(SETTLE_MILLIS);
        if (!process.isAlive()) {
            throw new AssertionError("plain-loop ended at once: " + command + " exit " + process.exitValue());
        }
        return new LoopTarget(process, cpu);
    }

    int pid() {
        return (int) process.pid();
    }

    OptionalInt cpu() {
        return cpu;
    }

    /** Fails when a stepper left the loop dead or stopped (a detach that went wrong). */
    void requireRunning() throws IOException {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(pid()), "stat"));
        char state = stat.charAt(stat.lastIndexOf(')') + 2);
        if (!process.isAlive() || (state != 'R' && state != 'S')) {
            throw new AssertionError("plain-loop " + pid() + " is not running after a detach: state " + state);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }
}
