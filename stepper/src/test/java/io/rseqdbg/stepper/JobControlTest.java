package io.rseqdbg.stepper;

import static io.rseqdbg.stepper.ScriptedInferior.CS_ABORT;
import static io.rseqdbg.stepper.ScriptedInferior.SIGSTOP;
import static io.rseqdbg.stepper.ScriptedInferior.TID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Job control under the stepper, decided on a scripted one-thread program
 * ({@link ScriptedInferior}, whose kernel fails the test when a job-stopped thread is resumed):
 * a thread stopped by SIGSTOP stays stopped until SIGCONT, then goes on as it was going.
 */
class JobControlTest {

    private static final long AFTER_SECTION = 0x1040;
    private final List<StepEvent> events = new ArrayList<>();

    private static ScriptedInferior program() {
        return new ScriptedInferior().jump(CS_ABORT + 1, AFTER_SECTION);
    }

    private Stepper.End run(ScriptedInferior program, StepPolicy policy) {
        return new Stepper(program, List.of(TID), policy, 0, events::add).run();
    }

    private <T extends StepEvent> List<T> all(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static long stepsOf(ScriptedInferior program, StepPolicy policy) {
        List<StepEvent> seen = new ArrayList<>();
        Stepper stepper = new Stepper(program, List.of(TID), policy, 0, seen::add);
        stepper.run();
        return stepper.steps();
    }

    @Test
    void aThreadStoppedBySigstopIsListenedToUntilSigcontAndLosesNoInstruction() {
        ScriptedInferior program = program().jobStopAfter(5, SIGSTOP);
        Stepper stepper = new Stepper(program, List.of(TID), StepPolicy.SKIP, 0, events::add);
        assertEquals(Stepper.End.EXITED, stepper.run());
        assertEquals(1, program.listens);
        assertEquals(List.of(new StepEvent.JobStopped(TID, SIGSTOP)), all(StepEvent.JobStopped.class));
        assertEquals(List.of(new StepEvent.JobContinued(TID)), all(StepEvent.JobContinued.class));
        int stopped = events.indexOf(new StepEvent.JobStopped(TID, SIGSTOP));
        assertTrue(events.get(stopped - 1) instanceof StepEvent.SignalDelivered d && d.signal() == SIGSTOP, events.toString());
        assertEquals(new StepEvent.JobContinued(TID), events.get(stopped + 1), "nothing ran while it was stopped");
        assertEquals(stepsOf(program(), StepPolicy.SKIP), stepper.steps());
    }

    @Test
    void aSigstopInsideASectionAbortsItOnDeliveryAndSteppingGoesOnAfterSigcont() {
        ScriptedInferior program = program().jobStopAfter(17, SIGSTOP); // two instructions into the section
        assertEquals(Stepper.End.EXITED, run(program, StepPolicy.INSIDE));
        assertEquals(1, program.listens);
        assertEquals(1, program.kernelAborts, "rseq_cs was given back before delivery: the kernel aborts, as untraced");
        List<StepEvent.SectionLeft> left = all(StepEvent.SectionLeft.class);
        assertEquals(List.of(Outcome.ABORTED), left.stream().map(StepEvent.SectionLeft::outcome).toList());
        assertEquals(CS_ABORT + 1, left.get(0).pc(), "one step after SIGCONT: the handler's first instruction ran");
        assertEquals(1, program.restores, "its own CPU mask back when it left");
    }

    @Test
    void aProgramFoundStoppedIsNotResumedBeforeSigcont() {
        ScriptedInferior program = program().startJobStopped(SIGSTOP);
        Stepper stepper = new Stepper(program, List.of(TID), StepPolicy.SKIP, 0, events::add);
        assertEquals(Stepper.End.EXITED, stepper.run());
        assertEquals(1, program.listens);
        assertTrue(events.get(1) instanceof StepEvent.JobStopped, events.subList(0, 3).toString());
        assertEquals(stepsOf(program(), StepPolicy.SKIP), stepper.steps());
    }

    @Test
    void aStopRequestWhileTheProgramIsStoppedDetachesLeavingItStopped() {
        ScriptedInferior program = program().startJobStopped(SIGSTOP);
        program.sigcontWhileListening = false;
        AtomicReference<Stepper> stepper = new AtomicReference<>();
        stepper.set(new Stepper(program, List.of(TID), StepPolicy.SKIP, 0, e -> {
            events.add(e);
            if (e instanceof StepEvent.JobStopped) {
                stepper.get().requestStop(); // Ctrl-C while it is stopped
            }
        }));
        assertEquals(Stepper.End.STOP_REQUESTED, stepper.get().run());
        assertTrue(program.detached);
        assertTrue(program.jobStoppedAtDetach, "still stopped when let go");
        assertEquals(0, stepper.get().steps());
        assertEquals(1, all(StepEvent.JobStopped.class).size(), "one stop, however often it is reported: " + events);
    }
}
