package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The guarantee of {@code rseqdbg step}: under skip, inside and opv every runtime target runs to
 * completion single-stepped, with its own checks passing and its exit status passed through.
 *
 * <p>Suite time: a dynamically linked run spends about 7 s single-stepping the dynamic loader, a
 * static one none. Where a case claims nothing about linking (threads, signals, the cpu_opv
 * fallback) the default suite runs the static build; each build variant (PIE, dlopen, table
 * styles, linkers, i386) runs as built. {@code -Pstress} adds the dynamic twins of the static cases.
 */
class TargetsRunToCompletionTest {

    /** Every variant under the default policy; small operation counts: every instruction is a ptrace stop. */
    static Stream<Arguments> variantsUnderSkip() {
        // counter, list, memcpy and buffer under skip are also ScenarioTest's (its CLI diagonal):
        // the default suite leaves them to it; -Pstress runs them here too, with the dynamic
        // builds of the threads and signals cases.
        Stream<Arguments> covered = Stream.of(
                Arguments.of("counter", List.of("1", "60")),
                Arguments.of("list", List.of("1", "60")),
                Arguments.of("memcpy", List.of("1", "40")),
                Arguments.of("buffer", List.of("1", "40")),
                Arguments.of("counter", List.of("3", "40")),
                Arguments.of("signal-storm", List.of("1", "4", "0", "3000")));
        Stream<Arguments> own = Stream.of(
                Arguments.of("counter-nopie", List.of("1", "60")),
                Arguments.of("counter-static", List.of("1", "60")),
                Arguments.of("counter-dlopen", List.of("1", "60")),
                Arguments.of("counter-legacy", List.of("1", "60")),
                Arguments.of("counter-noexit", List.of("1", "60")),
                Arguments.of("counter-notable", List.of("1", "60")),
                Arguments.of("counter-lld", List.of("1", "60")),
                Arguments.of("counter-relr", List.of("1", "60")),
                Arguments.of("counter-i386", List.of("1", "60")),
                Arguments.of("counter-static", List.of("3", "40")),
                Arguments.of("signal-storm-static", List.of("1", "4", "0", "3000")));
        return Integer.getInteger("rseqdbg.stress", 0) > 0 ? Stream.concat(covered, own) : own;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("variantsUnderSkip")
    void everyVariantCompletesUnderSkip(String target, List<String> args) {
        Targets.assumeRunnable(target);
        Run run = step("skip", target, args);
        assertTrue(run.stderr().contains("committed"), run.describe());
    }

    static Stream<Arguments> policiesAndTargets() {
        List<Arguments> all = new ArrayList<>();
        // The default suite runs what ScenarioTest's runtime targets do not: the table styles and
        // signals, static (what they claim is about tables and signals, not linking); -Pstress
        // adds the rest and the dynamic builds.
        boolean stress = Integer.getInteger("rseqdbg.stress", 0) > 0;
        for (String policy : List.of("inside", "opv")) {
            if (stress) {
                all.add(Arguments.of(policy, "counter", List.of("1", "60")));
                all.add(Arguments.of(policy, "list", List.of("1", "60")));
                all.add(Arguments.of(policy, "buffer", List.of("1", "40")));
                all.add(Arguments.of(policy, "counter-static", List.of("1", "60")));
                all.add(Arguments.of(policy, "counter", List.of("3", "40")));
                all.add(Arguments.of(policy, "counter-noexit", List.of("1", "60")));
                all.add(Arguments.of(policy, "counter-notable", List.of("1", "60")));
                all.add(Arguments.of(policy, "signal-storm", List.of("1", "4", "0", "3000")));
            }
            // The table styles' static twins: skip runs the dynamic builds above.
            all.add(Arguments.of(policy, "counter-noexit-static", List.of("1", "60")));
            all.add(Arguments.of(policy, "counter-notable-static", List.of("1", "60")));
            all.add(Arguments.of(policy, "signal-storm-static", List.of("1", "4", "0", "3000")));
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}: {1} {2}")
    @MethodSource("policiesAndTargets")
    void targetsCompleteUnderInsideAndOpv(String policy, String target, List<String> args) {
        step(policy, target, args);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("opvTargets")
    void opvSendsTheProgramThroughItsCpuOpvFallback(String target) {
        // Bound to one CPU: moved between its pushes and its pops, list's thread pops its other
        // CPU's empty stack again and again, and an empty pop's fallback returns without cpu_opv,
        // which the give-up rule cannot tell from a livelock (about 1 run in 10 gave up there).
        Run run = step("opv", target, List.of("1", "50"), "--bind");
        assertTrue(run.number("fallback") >= run.number("ops"),
                "every operation takes the cpu_opv path (the give-up rule never cuts it short): " + run.describe());
        assertFalse(run.stderr().contains("made no progress"), run.describe());
    }

    /** counter's and list's sections, static (the fallback is the claim, not linking); -Pstress adds the dynamic builds. */
    static Stream<String> opvTargets() {
        Stream<String> statics = Stream.of("counter-static", "list-static");
        return Integer.getInteger("rseqdbg.stress", 0) > 0 ? Stream.concat(statics, Stream.of("counter", "list")) : statics;
    }

    private static Run step(String policy, String target, List<String> args, String... options) {
        List<String> words = new ArrayList<>(List.of("step", "--policy", policy));
        words.addAll(List.of(options));
        words.addAll(List.of("--", Targets.path(target).toString()));
        words.addAll(args);
        Run run = Rseqdbg.launch(words.toArray(String[]::new)).timeout(Duration.ofSeconds(120)).run();
        run.requireExit(0);
        assertTrue(run.lastLine().startsWith("ok "), "the target's own checks: " + run.describe());
        assertEquals(expectedOps(target, args), run.number("ops"), run.describe());
        return run;
    }

    private static long expectedOps(String target, List<String> args) {
        return Long.parseLong(args.get(0)) * Long.parseLong(args.get(1));
    }
}
