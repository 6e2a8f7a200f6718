package io.rseqdbg.tests.scenario;

import java.util.ArrayList;
import java.util.List;

/**
 * One run of a test target under a policy, and the program's own result line it must end with:
 * the same definition runs through every {@link FrontEnd} (the CLI, gdb with the bridge; record and
 * replay next).
 *
 * @param target a program of tests/src/main/c (TARGETS.md)
 * @param args its arguments: small, every front end single-steps some or all of the run
 * @param policy skip, inside, opv or none, as {@code rseqdbg step --policy} names them
 * @param expected how the program's result line starts (it checks its own result, TARGETS.md)
 */
public record Scenario(String target, List<String> args, String policy, String expected) {

    public static final List<String> POLICIES = List.of("skip", "inside", "opv", "none");

    /** The runtime's programs, one thread and 20 operations each: every critical-section kind, cheap to step. */
    private static final List<String> RUNTIME_TARGETS = List.of("counter", "list", "memcpy", "buffer");

    /** The runtime targets x the four policies. */
    public static List<Scenario> all() {
        List<Scenario> all = new ArrayList<>();
        for (String target : RUNTIME_TARGETS) {
            for (String policy : POLICIES) {
                all.add(of(target, policy));
            }
        }
        return all;
    }

    /**
     * Every runtime target once and every policy once (target i under policy i): for a front end
     * that single-steps the whole program, the dynamic loader included (about 125,000 steps a run).
     */
    public static List<Scenario> diagonal() {
        return diagonal(0);
    }

    /** Each target once, with the policies in turn starting {@code shift} places further. */
    public static List<Scenario> diagonal(int shift) {
        List<Scenario> some = new ArrayList<>();
        for (int i = 0; i < RUNTIME_TARGETS.size(); i++) {
            some.add(of(RUNTIME_TARGETS.get(i), POLICIES.get((i + shift) % POLICIES.size())));
        }
        return some;
    }

    private static Scenario of(String target, String policy) {
        return new Scenario(target, List.of("1", "20"), policy, "ok ops=20 ");
    }

    @Override
    public String toString() {
        return target + " " + String.join(" ", args) + " --policy " + policy;
    }
}
