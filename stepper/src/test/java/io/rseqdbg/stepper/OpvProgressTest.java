package io.rseqdbg.stepper;

import static io.rseqdbg.stepper.ScriptedInferior.CS_ABORT;
import static io.rseqdbg.stepper.ScriptedInferior.START_PC;
import static io.rseqdbg.stepper.ScriptedInferior.TID;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * opv never livelocks: a program whose abort handler only retries (no slow path) gets a commit
 * after a bounded number of redirects, however long its retry path is (a backoff, a sleep, a
 * log line), decided on a scripted one-thread program ({@link ScriptedInferior}).
 */
class OpvProgressTest {

    private static final long RETRY_PATH = 0x2100;

    @ParameterizedTest(name = "retry path of {0} instructions")
    @ValueSource(ints = {1, 63, 65, 1000, 5000})
    void aBareRetryLoopCommitsAfterABoundedNumberOfRedirects(int retryLength) {
        // abort handler -> a straight retry path of retryLength instructions -> back to the start
        ScriptedInferior program = new ScriptedInferior()
                .jump(CS_ABORT, RETRY_PATH)
                .jump(RETRY_PATH + retryLength - 1, START_PC);
        List<StepEvent> events = new ArrayList<>();
        Stepper.End end = new Stepper(program, List.of(TID), StepPolicy.OPV, 0, events::add).run();

        assertEquals(Stepper.End.EXITED, end);
        List<Outcome> outcomes = events.stream().filter(e -> e instanceof StepEvent.SectionLeft)
                .map(e -> ((StepEvent.SectionLeft) e).outcome()).toList();
        List<Outcome> expected = new ArrayList<>(
                Collections.nCopies(OpvPolicy.REDIRECTS_WITHOUT_PROGRESS, Outcome.REDIRECTED));
        expected.add(Outcome.COMMITTED);
        assertEquals(expected, outcomes);
        assertEquals(1, events.stream().filter(e -> e instanceof StepEvent.OpvGaveUp).count());
    }
}
