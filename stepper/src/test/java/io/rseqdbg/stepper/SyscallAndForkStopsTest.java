package io.rseqdbg.stepper;

import static io.rseqdbg.stepper.ScriptedInferior.CS_ABORT;
import static io.rseqdbg.stepper.ScriptedInferior.TID;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * System calls and forks met while single-stepping a scripted program ({@link ScriptedInferior}):
 * each is reported with its data, and neither changes what is counted as a step.
 */
class SyscallAndForkStopsTest {

    private static final long AFTER_SECTION = 0x1040;
    private static final long CALL = 0x1005;
    private final List<StepEvent> events = new ArrayList<>();

    private static ScriptedInferior program() {
        return new ScriptedInferior().jump(CS_ABORT + 1, AFTER_SECTION);
    }

    private long run(ScriptedInferior program, List<StepEvent> into) {
        Stepper stepper = new Stepper(program, List.of(TID), StepPolicy.SKIP, 0, into::add);
        assertEquals(Stepper.End.EXITED, stepper.run());
        return stepper.steps();
    }

    @Test
    void aSteppedSystemCallIsReportedWithItsResultBeforeTheStepThatLandsAfterIt() {
        long steps = run(program().syscallAt(CALL, 39, 4242), events);
        List<StepEvent.SyscallReturned> calls = events.stream().filter(StepEvent.SyscallReturned.class::isInstance)
                .map(StepEvent.SyscallReturned.class::cast).toList();
        assertEquals(1, calls.size(), events.toString());
        assertEquals(39, calls.get(0).call().number());
        assertEquals(4242, calls.get(0).call().result());
        assertEquals(CALL + 1, calls.get(0).pc());
        assertEquals(new StepEvent.Stepped(TID, CALL + 1), events.get(events.indexOf(calls.get(0)) + 1));
        assertEquals(run(program(), new ArrayList<>()), steps, "the call is one instruction, counted once");
    }

    @Test
    void aForkUnderSteppingIsReportedThenItsCallReturnsTheChild() {
        long steps = run(program().forkAt(CALL, 777), events);
        int fork = events.indexOf(new StepEvent.Forked(TID, 777, false));
        StepEvent after = events.get(fork + 1);
        assertEquals(StepEvent.SyscallReturned.class, after.getClass(), events.toString());
        assertEquals(777, ((StepEvent.SyscallReturned) after).call().result());
        assertEquals(run(program(), new ArrayList<>()), steps, "the fork stop is no step");
    }
}
