package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Json;
import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Under skip a section runs at full speed to breakpoints at the ways out its table declares.
 * {@code list-undeclared}'s table lacks the pop's exit on an empty list, so such a pop runs on
 * free with the other thread held, and nothing brings it back. rseqdbg looks after a short time,
 * finds the thread outside the section, reports the undeclared exit and steps on. The default suite
 * runs the static build ({@code list-undeclared-static}, the same table: no dynamic loader to
 * single-step first); {@code -Pstress} the dynamic one too.
 */
class UndeclaredExitTest {

    static Stream<String> targets() {
        return Integer.getInteger("rseqdbg.stress", 0) > 0
                ? Stream.of("list-undeclared-static", "list-undeclared") : Stream.of("list-undeclared-static");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void aThreadLeavingThroughAnUndeclaredExitIsFoundAndSteppingGoesOn(String target) {
        // Draining: every pop finds the list empty and leaves through the undeclared exit, so the
        // thread never comes back to a way out of the pop that a breakpoint watches.
        Targets.Run run = Rseqdbg.launch("step", "--policy", "skip", "--json", "--",
                        Targets.path(target).toString(), "2", "2000000")
                .env("RSEQDBG_LIST_DRAIN", "1").timeout(Duration.ofSeconds(300)).run();
        run.requireExit(0);
        String json = run.stdout().lines().filter(l -> l.startsWith("{\"policy\"")).findFirst()
                .orElseThrow(() -> new AssertionError("no JSON summary: " + run.describe()));
        Map<String, Object> summary = Json.object(json);
        assertEquals("exited", summary.get("end"), run.describe());
        assertTrue(((Number) summary.get("undeclaredExits")).longValue() >= 1, run.describe());
        assertTrue(run.stdout().contains("ok ops=4000000 "), "the program finishes with its own checks: "
                + run.describe());
    }
}
