package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * rseqdbg itself receives SIGINT, SIGTERM, SIGHUP or SIGKILL at a random point while it steps a
 * compare-twice program (launched or attached, 1 or 4 threads, every policy in turn). What must
 * hold afterwards (README, "Reliability"):
 * <ul>
 *   <li>INT, TERM, HUP: rseqdbg detaches, restores everything and exits (0 for an attached
 *       program, the program's status for a launched one, which it waits for); the
 *       program runs on with no breakpoint byte left in its code, every thread's own CPU mask,
 *       and finishes with its own checks passing;</li>
 *   <li>KILL of a launched program's rseqdbg: the program dies with it (exit-kill), nothing is
 *       left behind;</li>
 *   <li>KILL of an attached program's rseqdbg: rseqdbg-tracer, which holds the attachment, lets
 *       the program go as a detach does (the same checks as above but rseqdbg's own exit). Under
 *       {@code --jvm-tracer} the kernel detaches instead, and most programs die of SIGTRAP (README,
 *       "Reliability").</li>
 *   <li>KILL-GROUP, SIGKILL to rseqdbg's whole process group (run under setsid, as a shell job
 *       is): rseqdbg-tracer, in a group of its own, lets the program go as above.</li>
 * </ul>
 * The default suite runs one random point per signal, the way (launched, attached; attached for
 * KILL) and 1 or 4 threads drawn; {@code -Pfaults} runs {@code rseqdbg.faults} points per cell (50: 200 per signal).
 * The seed is in each failure message; {@code -Drseqdbg.faults.seed=S} repeats a draw;
 * {@code -Drseqdbg.faults.signals=KILL} (a comma-separated list) runs some signals only.
 */
class SignalledRseqdbgTest {

    private static final boolean FULL = Integer.getInteger("rseqdbg.faults", 0) > 0;
    private static final int TRIALS = Math.max(1, Integer.getInteger("rseqdbg.faults", 0));
    private static final String TARGET = "counter-c2";
    /** Native run time after the detach: seconds, so that the image is read while the program runs. */
    private static final long TOTAL_OPS = 240_000_000L;
    private static final String[] POLICIES = {"skip", "inside", "opv", "none"};
    /** SIGKILL to rseqdbg's whole process group (`kill -9 %1`, `timeout -s KILL`): rseqdbg-tracer has a group of its own. */
    private static final String KILL_GROUP = "KILL-GROUP";

    @TempDir
    Path dir;
    private final List<ProcessHandle> started = new ArrayList<>();

    @AfterEach
    void leaveNothingBehind() throws IOException {
        release();
        started.forEach(p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        });
    }

    static Stream<Arguments> points() {
        List<Arguments> points = new ArrayList<>();
        long seed = Long.getLong("rseqdbg.faults.seed", System.nanoTime());
        Random random = new Random(seed);
        for (String signal : System.getProperty("rseqdbg.faults.signals", "INT,TERM,HUP,KILL,KILL-GROUP").split(",")) {
            // The default suite draws the way too (one point per signal), but SIGKILL always
            // meets an attached program (what rseqdbg-tracer promises); the profile runs both.
            // KILL-GROUP (rseqdbg's whole process group) is about attached programs only.
            List<Boolean> ways = signal.equals(KILL_GROUP) ? List.of(true)
                    : FULL ? List.of(false, true) : List.of(signal.equals("KILL") || random.nextBoolean());
            for (boolean attached : ways) {
                // The default suite draws one thread count per signal and way; the profile runs both.
                List<Integer> counts = FULL ? List.of(1, 4) : List.of(random.nextBoolean() ? 1 : 4);
                for (int threads : counts) {
                    for (int trial = 0; trial < TRIALS; trial++) {
                        points.add(Arguments.of(signal, attached ? "attached" : "launched", threads,
                                POLICIES[random.nextInt(POLICIES.length)], random.nextInt(800), seed));
                    }
                }
            }
        }
        return points.stream();
    }

    @ParameterizedTest(name = "SIG{0} to rseqdbg, {1} program, {2} threads, {3}, after {4} ms")
    @MethodSource("points")
    void theProgramOutlivesRseqdbgCleanOrDiesOnlyAsDocumented(String signal, String how, int threads, String policy,
                                                             int delayMillis, long seed) throws Exception {
        boolean attached = how.equals("attached");
        RunningTarget program = attached ? startProgram(threads) : null;
        // Threads start after the attach, with the main thread's mask: compare the set of masks.
        Set<String> masksBefore = attached ? Set.copyOf(masks(program.pid()).values()) : Set.of();
        List<String> args = new ArrayList<>(List.of("step", "--policy", policy));
        if (attached) {
            args.addAll(List.of("--pid", Long.toString(program.pid())));
        } else {
            args.addAll(List.of("--", Targets.path(TARGET).toString(), Integer.toString(threads),
                    Long.toString(TOTAL_OPS / threads)));
        }
        Path out = dir.resolve("rseqdbg.out");
        Path err = dir.resolve("rseqdbg.err");
        List<String> command = new ArrayList<>(Rseqdbg.commandLine(args.toArray(String[]::new)));
        boolean group = signal.equals(KILL_GROUP);
        if (group) {
            command.add(0, "setsid"); // a process group of its own, as a shell job has: killed whole
        }
        ProcessBuilder launch = new ProcessBuilder(command)
                .redirectInput(new File("/dev/null")).redirectOutput(out.toFile()).redirectError(err.toFile());
        launch.environment().put("RSEQDBG_HOLD_EXIT", releaseFile().toString());
        Process rseqdbg = launch.start();
        started.add(rseqdbg.toHandle());
        ProcessHandle traced = attached ? ProcessHandle.of(program.pid()).orElseThrow()
                : launchedProgram(rseqdbg, err);
        StepProcess.awaitTraced(traced.pid(), () -> "rseqdbg (" + read(err) + ")");
        if (attached) {
            // Its poll for a tracer is stepped too (seconds): a detach before it saw one would
            // leave it polling for a minute. The random point falls in its stepped work.
            awaitFile(sawTracerFile(), program);
        }
        Thread.sleep(delayMillis);
        assertTrue(rseqdbg.isAlive(), () -> "rseqdbg ended before the signal: " + read(err));
        new ProcessBuilder(group ? List.of("kill", "-KILL", "--", "-" + rseqdbg.pid())
                : List.of("kill", "-" + signal, Long.toString(rseqdbg.pid()))).start().waitFor();
        boolean untraced = StepProcess.awaitUntraced(traced.pid(), 120);
        String seen = "SIG" + signal + " " + how + " " + threads + " threads " + policy + " after " + delayMillis
                + " ms (seed " + seed + ")\n";
        if (signal.equals("KILL") && !attached) {
            assertTrue(rseqdbg.waitFor(120, TimeUnit.SECONDS), "rseqdbg survived SIGKILL");
            traced.onExit().get(30, TimeUnit.SECONDS);
            assertFalse(read(out).contains("ok ops="), "the program finished although killed: " + seen + read(err));
            return;
        }
        assertTrue(untraced, "rseqdbg never detached after SIG" + signal + ": " + seen + read(err));
        Optional<Integer> died = diedOfSignal(program, attached);
        assertTrue(died.isEmpty(), () -> "the program died (signal " + died.get() + ") after SIG" + signal
                + " to rseqdbg: " + seen + read(err) + ended(program));
        // Read while the program runs on: the detach must have put back every byte it changed.
        assertTrue(traced.isAlive(), () -> "the program ended before its image was read: " + seen + read(err)
                + (attached ? ended(program) : read(out)));
        List<String> left = ProgramImage.differences(traced.pid()).stream().map(Object::toString).toList();
        assertEquals(List.of(), left, "bytes rseqdbg changed are left in the program: " + seen + read(err));
        if (attached) {
            assertEquals(masksBefore, Set.copyOf(masks(traced.pid()).values()),
                    "CPU masks not given back: " + seen + read(err));
        }
        release();
        long total = TOTAL_OPS / threads * threads;
        if (signal.startsWith("KILL")) {
            RunningTarget.Ended end = program.await(300);
            // Counted by the README's figures: grep the test output for this line.
            System.out.println("fault-matrix: SIG" + signal + " to rseqdbg, attached, " + threads + " threads: the program "
                    + (end.exitCode() == 0 ? "finished" : "ended with " + end.exitCode()));
            assertEquals(0, end.exitCode(), end.describe() + seen + read(err));
            assertEquals(Long.toString(total), end.report().get("ops"), end.describe() + seen);
            return;
        }
        assertTrue(rseqdbg.waitFor(300, TimeUnit.SECONDS), "rseqdbg hangs after SIG" + signal);
        String context = seen + "rseqdbg exit " + rseqdbg.exitValue() + "\n" + read(err);
        // Attached: detached cleanly; launched: the program's own status (its checks pass).
        assertEquals(0, rseqdbg.exitValue(), context);
        assertFalse(read(err).contains("Exception"), context);
        if (attached) {
            RunningTarget.Ended end = program.await(300);
            assertEquals(0, end.exitCode(), end.describe() + context);
            assertEquals(Long.toString(total), end.report().get("ops"), end.describe() + context);
        } else {
            traced.onExit().get(300, TimeUnit.SECONDS);
            assertTrue(read(out).contains("ok ops=" + total),
                    "the launched program did not finish with its checks passing: " + read(out) + context);
        }
    }

    /** Lets the program exit: until then it waits at its exit, so its image can still be read. */
    private void release() throws IOException {
        if (dir != null && !Files.exists(releaseFile())) {
            Files.createFile(releaseFile());
        }
    }

    private Path releaseFile() {
        return dir.resolve("release");
    }

    private Path sawTracerFile() {
        return dir.resolve("saw-tracer");
    }

    private static void awaitFile(Path file, RunningTarget program) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(file) && program.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertTrue(Files.exists(file), "the program never saw its tracer");
    }

    private RunningTarget startProgram(int threads) {
        // It waits for rseqdbg before its work (its whole native run is then left after the
        // detach), and at its exit for the release file (its image is read first).
        RunningTarget program = RunningTarget.start(dir, TARGET, threads, TOTAL_OPS / threads,
                Map.of("RSEQDBG_AWAIT_TRACER", "1", "RSEQDBG_HOLD_EXIT", releaseFile().toString(),
                        "RSEQDBG_SAW_TRACER", sawTracerFile().toString()));
        started.add(ProcessHandle.of(program.pid()).orElseThrow());
        return program;
    }

    private static String ended(RunningTarget program) {
        try {
            return program.await(10).describe();
        } catch (InterruptedException | AssertionError e) {
            return e.toString();
        }
    }

    /** The program a launched run traces: rseqdbg's descendant running the target file. */
    private static ProcessHandle launchedProgram(Process rseqdbg, Path err) throws Exception {
        Path target = Targets.path(TARGET).toRealPath();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> found = rseqdbg.descendants().filter(p -> runs(p.pid(), target)).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(2);
        }
        return fail("rseqdbg never started " + target + ": " + read(err));
    }

    private static boolean runs(long pid, Path file) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")).equals(file);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The signal an attached program died of after the detach, or empty once every thread has run
     * since (a pending step trap or a planted int3 met at once kills a thread at its first run) or
     * after a deadline (a thread that never runs cannot die of either).
     */
    private static Optional<Integer> diedOfSignal(RunningTarget program, boolean attached) throws InterruptedException {
        if (!attached) {
            return Optional.empty();
        }
        Map<String, Long> before = timeslices(program.pid());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (program.isAlive() && !allRanSince(before, timeslices(program.pid())) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        if (program.isAlive()) {
            return Optional.empty();
        }
        int code = program.await(1).exitCode();
        return code > 128 ? Optional.of(code - 128) : Optional.empty();
    }

    /** How many times each thread was put on a CPU (the third field of its schedstat), by tid. */
    private static Map<String, Long> timeslices(long pid) {
        Map<String, Long> counts = new TreeMap<>();
        String[] tids = new File("/proc/" + pid + "/task").list();
        for (String tid : tids == null ? new String[0] : tids) {
            String[] fields = read(Path.of("/proc", Long.toString(pid), "task", tid, "schedstat")).trim().split(" ");
            if (fields.length == 3) {
                counts.put(tid, Long.parseLong(fields[2]));
            }
        }
        return counts;
    }

    /** True when every thread of {@code before} that still exists has been on a CPU since. */
    private static boolean allRanSince(Map<String, Long> before, Map<String, Long> now) {
        return before.entrySet().stream().allMatch(e -> now.getOrDefault(e.getKey(), Long.MAX_VALUE) > e.getValue());
    }

    /** Cpus_allowed_list of every thread, by tid. */
    static Map<String, String> masks(long pid) throws IOException {
        Map<String, String> masks = new TreeMap<>();
        String[] tids = new File("/proc/" + pid + "/task").list();
        for (String tid : tids == null ? new String[0] : tids) {
            String status = read(Path.of("/proc", Long.toString(pid), "task", tid, "status"));
            status.lines().filter(l -> l.startsWith("Cpus_allowed_list:"))
                    .forEach(l -> masks.put(tid, l.substring(l.indexOf(':') + 1).trim()));
        }
        return masks;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
