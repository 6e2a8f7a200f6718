package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Json;
import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The core promise (issue 9): rseqdbg never buys a traced program's progress by breaking the
 * atomicity of its critical sections. The compare-twice builds (TARGETS.md) check, right before
 * each commit, that the section still runs on the CPU it started on and that its compared word is
 * unchanged, and end with {@code FAIL compare-twice} otherwise: whatever the policy, the thread
 * count or who registered rseq, launched or attached, they must run to their own ok line with
 * exact counts. And {@code opv} never livelocks, however long the program's retry path.
 *
 * <p>The default run is a short matrix. Its launched runs use the static twins of the targets
 * ({@code counter-c2-static}, ...: the same sections and checks, no dynamic loader to single-step,
 * about 4x faster); its attached runs use the dynamic builds, which never step the loader there.
 * The stress profile ({@code mvn -Pstress}, system property {@code rseqdbg.stress=N}) runs the full
 * matrix on the dynamic builds — every target, policy, 1/2/4 threads, both registrations, launched
 * and attached — each case N times, and the spin and opv cases on them too.
 */
class AtomicityTest {

    private static final int STRESS = Integer.getInteger("rseqdbg.stress", 0);
    private static final List<String> TARGETS = List.of("counter-c2", "list-c2", "memcpy-c2", "buffer-c2",
            "spin-c2", "counter-c2-i386");
    private static final List<String> POLICIES = List.of("skip", "inside", "opv");
    private static final List<Integer> THREADS = List.of(1, 2, 4);
    private static final List<String> REGISTRATIONS = List.of("glibc", "own");
    private static final String COMPARE_TWICE_FAILED = "FAIL compare-twice";
    /** Steps of one attached run: every policy meets dozens to hundreds of sections in them. */
    private static final long ATTACHED_STEPS = 6_000;
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(600);

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ launched and attached runs

    /**
     * Operations per thread of a launched run: every instruction is a ptrace stop and start-up
     * alone is about 125,000 of them, so a few sections per thread.
     */
    private static long launchedOps(String target) {
        return switch (target.replace("-static", "")) {
            case "memcpy-c2", "spin-c2" -> 10;
            default -> 20;
        };
    }

    static Stream<Arguments> launchedCases() {
        if (STRESS > 0) {
            return full();
        }
        // Each target once (its static twin), under the one policy its attached cases leave out.
        List<Arguments> cases = new ArrayList<>();
        for (int t = 0; t < TARGETS.size(); t++) {
            cases.add(Arguments.of(staticTwin(TARGETS.get(t)), POLICIES.get((t + 2) % POLICIES.size()),
                    THREADS.get((t + 1) % THREADS.size()), REGISTRATIONS.get(t % REGISTRATIONS.size()), 1));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} under {1}, {2} threads, {3} registration, #{4}")
    @MethodSource("launchedCases")
    void launchedCompareTwiceTargetRunsToItsOkLine(String target, String policy, int threads, String registration,
                                                    int repetition) {
        Targets.assumeRunnable(target);
        long ops = launchedOps(target);
        Targets.Launch launch = Rseqdbg.launch(stepArgs(policy, "--", Targets.path(target).toString(),
                Integer.toString(threads), Long.toString(ops))).timeout(STEP_TIMEOUT);
        registrationEnv(registration).forEach(launch::env);
        Run run = launch.run();
        run.requireExit(0);
        assertTrue(run.lastLine().startsWith("ok "), "the target's own checks: " + run.describe());
        assertEquals(threads * ops, run.number("ops"), run.describe());
        assertEquals(registration, run.report().get("rseq"), run.describe());
        assertFalse(run.stderr().contains(COMPARE_TWICE_FAILED), run.describe());
    }

    static Stream<Arguments> attachedCases() {
        if (STRESS > 0) {
            return full();
        }
        // Each target under two policies (launched, it runs under the third), the thread counts
        // and registrations spread across.
        List<Arguments> cases = new ArrayList<>();
        for (int t = 0; t < TARGETS.size(); t++) {
            for (int p = t; p < t + 2; p++) {
                cases.add(Arguments.of(TARGETS.get(t), POLICIES.get(p % POLICIES.size()),
                        THREADS.get((t + p) % THREADS.size()), REGISTRATIONS.get((t + p + 1) % REGISTRATIONS.size()), 1));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} under {1}, {2} threads, {3} registration, #{4}")
    @MethodSource("attachedCases")
    void attachedCompareTwiceTargetFinishesWithItsOkLineAfterDetach(String target, String policy, int threads,
                                                                     String registration, int repetition)
            throws Exception {
        Targets.assumeRunnable(target);
        Attached attached = attachAndStep(target, policy, threads, registration, ATTACHED_STEPS);
        attached.run().requireExit(0);
        RunningTarget.Ended end = attached.target().await(600);
        assertEquals(0, end.exitCode(), end.describe());
        assertEquals(Long.toString(threads * attached.opsPerThread()), end.report().get("ops"), end.describe());
        assertEquals(registration, end.report().get("rseq"), end.describe());
        assertFalse(end.stderr().contains(COMPARE_TWICE_FAILED), end.describe());
    }

    /** The full matrix, each case {@link #STRESS} times. */
    private static Stream<Arguments> full() {
        List<Arguments> cases = new ArrayList<>();
        for (String target : TARGETS) {
            for (String policy : POLICIES) {
                for (int threads : THREADS) {
                    for (String registration : REGISTRATIONS) {
                        IntStream.rangeClosed(1, STRESS).forEach(
                                i -> cases.add(Arguments.of(target, policy, threads, registration, i)));
                    }
                }
            }
        }
        return cases.stream();
    }

    // ------------------------------------------------------------------ sections really stepped through

    /**
     * Runs of spin-c2 under inside: each steps through hundreds of sections of about 75 stops. The
     * default suite runs the static twin once, the stress profile the dynamic build N times.
     */
    static Stream<Arguments> spinRuns() {
        if (STRESS == 0) {
            return Stream.of(Arguments.of("spin-c2-static", 1));
        }
        return IntStream.rangeClosed(1, STRESS).mapToObj(i -> Arguments.of("spin-c2", i));
    }

    /**
     * inside stops at every instruction of a section, with the thread's rseq_cs cleared: the
     * kernel no longer aborts it on migration, and a thread stopped that often migrates freely
     * unless rseqdbg keeps it on its CPU. spin-c2's long section makes every pass dozens of stops,
     * and its second check catches any pass that moved.
     */
    @ParameterizedTest(name = "{0}, run {1}")
    @MethodSource("spinRuns")
    void spinSectionsSteppedThroughInsideNeverMoveToAnotherCpu(String target, int repetition) {
        Run run = Rseqdbg.launch(stepArgs("inside", "--json", "--", Targets.path(target).toString(), "2", "300"))
                .timeout(STEP_TIMEOUT).run();
        assertFalse(run.stderr().contains(COMPARE_TWICE_FAILED), run.describe());
        run.requireExit(0);
        List<String> lines = run.stdout().lines().toList();
        assertTrue(lines.get(lines.size() - 2).startsWith("ok ops=600 "), run.describe());
        Map<String, Object> json = Json.object(run.lastLine());
        assertTrue((Long) json.get("bound") >= 600, "every pass ran with rseq_cs cleared, bound: " + run.lastLine());
        double stopsPerPass = ((List<?>) json.get("criticalSections")).stream()
                .map(cs -> (Map<?, ?>) cs)
                .filter(cs -> ((String) cs.get("name")).startsWith("percpu_counter_add_spin+"))
                .mapToDouble(cs -> ((Number) cs.get("stopsPerPass")).doubleValue()).findFirst().orElse(0);
        assertTrue(stopsPerPass >= 60, "each pass stepped through its 2 x 30 spin iterations: " + run.lastLine());
    }

    // ------------------------------------------------------------------ opv never livelocks

    /**
     * An abort handler that only retries (RSEQDBG_FASTPATH_TRIES=0: no slow path), whatever it
     * does between tries: opv redirects each entry a bounded number of times, then lets one pass
     * run, and says so. The default suite runs each retry path once on a static twin; the stress
     * profile every retry path on every dynamic build.
     */
    static Stream<Arguments> retryPaths() {
        List<Arguments> cases = new ArrayList<>(List.of(
                Arguments.of("spin:200", "counter-c2-static", 1),
                Arguments.of("sleep:1000/5", "memcpy-c2-static", 2),
                Arguments.of("syscall", "list-c2-static", 2)));
        if (STRESS > 0) {
            for (String retry : List.of("spin:200", "sleep:1000/5", "syscall")) {
                for (String target : List.of("counter-c2", "list-c2", "memcpy-c2", "spin-c2")) {
                    cases.add(Arguments.of(retry, target, 2));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "retry path {0}: {1} with {2} threads")
    @MethodSource("retryPaths")
    void opvFinishesAProgramWhoseAbortHandlerOnlyRetries(String retry, String target, int threads) {
        Run run = Rseqdbg.launch(stepArgs("opv", "--", Targets.path(target).toString(), Integer.toString(threads), "3"))
                .env("RSEQDBG_FASTPATH_TRIES", "0").env("RSEQDBG_RETRY", retry)
                .timeout(STEP_TIMEOUT).run();
        run.requireExit(0);
        assertTrue(run.lastLine().startsWith("ok "), "the target's own checks: " + run.describe());
        assertEquals(threads * 3L, run.number("ops"), run.describe());
        assertEquals(0, run.number("fallback"), "no slow path to take: " + run.describe());
        assertTrue(run.stderr().contains("made no progress"), "the give-up is named: " + run.describe());
    }

    /** The default suite: one retry path on the static twin; the stress profile: all on the dynamic build. */
    static Stream<Arguments> slowPathRetries() {
        return STRESS > 0
                ? Stream.of("none", "spin:200", "sleep:1000/5", "syscall").map(r -> Arguments.of(r, "memcpy-c2"))
                : Stream.of(Arguments.of("sleep:1000/5", "memcpy-c2-static"));
    }

    /** The bundled runtime's abort handler reaches cpu_opv after a few tries: opv sends every operation there. */
    @ParameterizedTest(name = "retry path {0}: {1}")
    @MethodSource("slowPathRetries")
    void opvStillTakesTheBundledSlowPath(String retry, String target) {
        Run run = Rseqdbg.launch(stepArgs("opv", "--", Targets.path(target).toString(), "2", "5"))
                .env("RSEQDBG_RETRY", retry).timeout(STEP_TIMEOUT).run();
        run.requireExit(0);
        assertTrue(run.lastLine().startsWith("ok "), "the target's own checks: " + run.describe());
        assertEquals(10, run.number("ops"), run.describe());
        assertTrue(run.number("fallback") >= run.number("ops"), "every operation went through cpu_opv: " + run.describe());
        assertFalse(run.stderr().contains("made no progress"), run.describe());
    }

    // ------------------------------------------------------------------ helpers

    private static String[] stepArgs(String policy, String... rest) {
        List<String> words = new ArrayList<>(List.of("step", "--policy", policy));
        words.addAll(List.of(rest));
        return words.toArray(String[]::new);
    }

    /**
     * The static build of a compare-twice target (runtime.mk): the same sections and checks with no
     * dynamic loader to single-step at start-up. The i386 build has none (it is the ELF32 case).
     */
    private static String staticTwin(String target) {
        return target.endsWith("-i386") ? target : target + "-static";
    }

    private static Map<String, String> registrationEnv(String registration) {
        return registration.equals("own") ? Map.of("GLIBC_TUNABLES", "glibc.pthread.rseq=0") : Map.of();
    }

    /**
     * Operations per thread for about 2 s of untraced work (measured rates, rounded down), so the
     * target is still at work when the attach comes, yet ends soon after the detach.
     */
    private static long nativeOps(String target) {
        return switch (target) {
            case "counter-c2", "counter-c2-i386" -> 40_000_000;
            case "list-c2" -> 20_000_000;
            case "memcpy-c2" -> 2_000_000;
            case "buffer-c2" -> 10_000;
            case "spin-c2" -> 10_000_000;
            default -> throw new IllegalArgumentException(target);
        };
    }

    record Attached(Run run, RunningTarget target, long opsPerThread) {
    }

    /**
     * Starts {@code target} untraced, attaches {@code rseqdbg step --pid} once it is at work and
     * steps {@code steps} steps. A target that ended before the attach (a slow start of the JVM
     * on a loaded machine) is started again with four times the work, at most 3 times.
     */
    private Attached attachAndStep(String target, String policy, int threads, String registration, long steps)
            throws InterruptedException {
        long ops = nativeOps(target);
        for (int attempt = 1; ; attempt++, ops *= 4) {
            RunningTarget running = RunningTarget.start(dir, target, threads, ops, registrationEnv(registration));
            try {
                if (running.awaitWorking()) {
                    Run run = Rseqdbg.launch("step", "--policy", policy, "--pid", Long.toString(running.pid()),
                            "--max-steps", Long.toString(steps), "--json").timeout(STEP_TIMEOUT).run();
                    boolean outrun = run.exitCode() == 2 && !running.isAlive()
                            && (run.stderr().contains("no such process") || run.stderr().contains("has exited"));
                    if (!outrun || attempt == 3) {
                        Attached attached = new Attached(run, running, ops);
                        running = null;
                        return attached;
                    }
                } else if (attempt == 3) {
                    throw new AssertionError("the target ended before it could be attached: "
                            + running.await(1).describe());
                }
            } finally {
                if (running != null) {
                    running.close();
                }
            }
        }
    }
}
