package io.rseqdbg.stepper;

import static io.rseqdbg.stepper.ScriptedInferior.CS_ABORT;
import static io.rseqdbg.stepper.ScriptedInferior.START_PC;
import static io.rseqdbg.stepper.ScriptedInferior.TID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * none: plain single-stepping touches nothing, so the kernel aborts the section at every step
 * inside and a program that only retries never commits; the stepper says so once.
 */
class WatchPolicyTest {

    @Test
    void plainSteppingAbortsEveryPassAndReportsTheLoopOnce() {
        ScriptedInferior program = new ScriptedInferior().jump(CS_ABORT + 1, START_PC);
        List<StepEvent> events = new ArrayList<>();
        Stepper.End end = new Stepper(program, List.of(TID), StepPolicy.NONE, 2000, events::add).run();

        assertEquals(Stepper.End.MAX_STEPS, end);
        List<Outcome> outcomes = events.stream().filter(e -> e instanceof StepEvent.SectionLeft)
                .map(e -> ((StepEvent.SectionLeft) e).outcome()).toList();
        assertTrue(outcomes.size() > WatchPolicy.ABORT_LOOP_LIMIT, outcomes.toString());
        assertTrue(outcomes.stream().allMatch(o -> o == Outcome.ABORTED), outcomes.toString());
        assertEquals(1, events.stream().filter(e -> e instanceof StepEvent.AbortLoop).count());
        assertTrue(program.boundTo.isEmpty(), "none binds nothing");
    }
}
