package io.rseqdbg.tests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The three single-steppers of the rate benchmark, each attaching to a running {@link LoopTarget},
 * stepping its loop and detaching. Each returns steps per second over the steps alone: attach,
 * symbol loading and JVM start-up are left out, so the rates compare one step's round trip.
 * Beside it, the tracer's own CPU time per step (user + system, from the shell's {@code times}),
 * which a busy machine disturbs far less than the rate and which shows where a gap comes from.
 */
final class LoopSteppers {

    /** Steps per second, and the tracer's CPU microseconds per step (NaN when not measured). */
    record Rate(double stepsPerSecond, double cpuMicrosPerStep) {
    }

    /** The C loop: ~40,000 steps/s here, so ~2.5 s. */
    static final int C_STEPS = 100_000;
    /** gdb's {@code stepi N}: ~6,000 steps/s here. */
    static final int GDB_STEPS = 20_000;
    /**
     * rseqdbg's rate is the difference of two runs, so that its fixed costs (attach, reading the
     * tables of every mapped module, JIT warm-up, detach) cancel out of the JSON's seconds.
     */
    static final int RSEQDBG_SHORT = 20_000;
    static final int RSEQDBG_LONG = 120_000;

    private static final Pattern C_LINE = Pattern.compile("steps=(\\d+) seconds=([0-9.]+)");
    /** The children's line of {@code times}: user and system time, e.g. {@code 0m1.230000s 0m0.410000s}. */
    private static final Pattern TIMES = Pattern.compile("(\\d+)m([0-9.]+)s (\\d+)m([0-9.]+)s\\s*$");
    private static final Pattern GDB_LINE = Pattern.compile("gdb steps=(\\d+) seconds=([0-9.]+)");

    private LoopSteppers() {
    }

    /** {@code singlestep-c [placement] --steps C_STEPS --pid PID}. */
    static Rate cLoop(LoopTarget target, String... placement) {
        List<String> command = new ArrayList<>(List.of(Targets.path("singlestep-c").toString()));
        command.addAll(List.of(placement));
        command.addAll(List.of("--steps", Integer.toString(C_STEPS), "--pid", Integer.toString(target.pid())));
        Run run = timed(command).run().requireExit(0);
        Matcher m = C_LINE.matcher(run.stdout());
        if (!m.find()) {
            throw new AssertionError("no rate line from " + run.describe());
        }
        assertEquals(C_STEPS, Long.parseLong(m.group(1)), run.describe());
        return new Rate(C_STEPS / Double.parseDouble(m.group(2)), cpuSeconds(run) * 1e6 / C_STEPS);
    }

    /**
     * {@code gdb -batch -p PID}, timing {@code stepi N} from gdb's Python; with {@code onTargetCpu}
     * gdb itself is bound to the CPU the target is bound to.
     */
    static Rate gdb(LoopTarget target, boolean onTargetCpu) throws IOException {
        Path script = Files.createTempFile("rseqdbg-bench", ".gdb");
        try {
            Files.writeString(script, String.join("\n",
                    "set pagination off",
                    "set confirm off",
                    "python",
                    "import gdb, time",
                    "gdb.execute('stepi 100', to_string=True)",
                    "start = time.monotonic()",
                    "gdb.execute('stepi " + GDB_STEPS + "', to_string=True)",
                    "seconds = time.monotonic() - start",
                    "gdb.write('gdb steps=%d seconds=%.6f\\n' % (" + GDB_STEPS + ", seconds))",
                    "end",
                    "detach",
                    ""));
            List<String> command = new ArrayList<>();
            if (onTargetCpu) {
                command.addAll(List.of("taskset", "-c", Integer.toString(target.cpu().orElseThrow())));
            }
            command.addAll(List.of("gdb", "-nx", "-batch", "-ex", "set debuginfod enabled off",
                    "-x", script.toString(), "-p", Integer.toString(target.pid())));
            Run run = Targets.command(command.get(0), command.subList(1, command.size()).toArray(String[]::new))
                    .run().requireExit(0);
            Matcher m = GDB_LINE.matcher(run.stdout());
            if (!m.find()) {
                throw new AssertionError("no rate line from " + run.describe());
            }
            return new Rate(GDB_STEPS / Double.parseDouble(m.group(2)), Double.NaN);
        } finally {
            Files.deleteIfExists(script);
        }
    }

    /** {@code rseqdbg step --policy none --json --max-steps N --pid PID}, twice. */
    static Rate rseqdbg(LoopTarget target, String... options) {
        Run shortRun = rseqdbg(target, RSEQDBG_SHORT, options);
        Run longRun = rseqdbg(target, RSEQDBG_LONG, options);
        int steps = RSEQDBG_LONG - RSEQDBG_SHORT;
        double seconds = StepSummary.parse(longRun.lastLine()).seconds() - StepSummary.parse(shortRun.lastLine()).seconds();
        return new Rate(steps / seconds, (cpuSeconds(longRun) - cpuSeconds(shortRun)) * 1e6 / steps);
    }

    private static Run rseqdbg(LoopTarget target, int steps, String... options) {
        List<String> words = new ArrayList<>(List.of("step", "--policy", "none", "--json", "--max-steps",
                Integer.toString(steps), "--pid", Integer.toString(target.pid())));
        words.addAll(List.of(options));
        Run run = timed(Rseqdbg.commandLine(words.toArray(String[]::new))).run().requireExit(0);
        assertEquals(steps, StepSummary.parse(run.lastLine()).steps(), run.describe());
        return run;
    }

    /** {@code command} run by a shell that reports its CPU time on stderr when it ends. */
    private static Targets.Launch timed(List<String> command) {
        List<String> args = new ArrayList<>(List.of("-c", "\"$@\"; status=$?; times >&2; exit $status", "sh"));
        args.addAll(command);
        return Targets.command("sh", args.toArray(String[]::new));
    }

    /** User + system seconds of the timed command (the second line of {@code times}). */
    private static double cpuSeconds(Run run) {
        Matcher m = TIMES.matcher(run.stderr().strip());
        if (!m.find()) {
            throw new AssertionError("no times line from " + run.describe());
        }
        return Long.parseLong(m.group(1)) * 60 + Double.parseDouble(m.group(2))
                + Long.parseLong(m.group(3)) * 60 + Double.parseDouble(m.group(4));
    }
}
