package io.rseqdbg.stepper;

import static io.rseqdbg.stepper.ScriptedInferior.CS_ABORT;
import static io.rseqdbg.stepper.ScriptedInferior.CS_START;
import static io.rseqdbg.stepper.ScriptedInferior.TID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A section whose thread's rseq_cs is cleared runs on one CPU from start to commit, or is sent to
 * its abort handler as the kernel would have sent it, decided on a scripted one-thread program
 * ({@link ScriptedInferior}): 15 instructions lead to the section's first, its handler leads on.
 */
class CpuBindingTest {

    private static final long AFTER_SECTION = 0x1040;
    private final List<StepEvent> events = new ArrayList<>();

    private Stepper.End run(ScriptedInferior program, StepPolicy policy) {
        return new Stepper(program, List.of(TID), policy, 0, events::add).run();
    }

    private <T extends StepEvent> List<T> all(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private List<Outcome> outcomes() {
        return all(StepEvent.SectionLeft.class).stream().map(StepEvent.SectionLeft::outcome).toList();
    }

    private static ScriptedInferior program() {
        return new ScriptedInferior().jump(CS_ABORT + 1, AFTER_SECTION);
    }

    @Test
    void insideBindsTheThreadToItsCpuForTheSectionAndGivesItsMaskBackAfter() {
        ScriptedInferior program = program();
        assertEquals(Stepper.End.EXITED, run(program, StepPolicy.INSIDE));
        assertEquals(List.of(0), program.boundTo);
        assertEquals(1, program.restores);
        assertEquals(List.of(Outcome.COMMITTED), outcomes());
        assertEquals(0, program.kernelAborts, "rseq_cs was cleared before every resume inside");
    }

    @Test
    void aRewrittenMaskSendsTheThreadToTheAbortHandlerBeforeItRunsElsewhere() {
        ScriptedInferior program = program().maskLostAfter(17, 1);
        assertEquals(Stepper.End.EXITED, run(program, StepPolicy.INSIDE));
        List<StepEvent.CpuChangeAbort> moved = all(StepEvent.CpuChangeAbort.class);
        assertEquals(1, moved.size(), events.toString());
        assertEquals(0, moved.get(0).from());
        assertEquals(-1, moved.get(0).to());
        assertEquals(List.of(Outcome.ABORTED), outcomes());
        assertEquals(CS_ABORT, all(StepEvent.SectionLeft.class).get(0).pc());
        assertTrue(all(StepEvent.SectionStepped.class).stream().allMatch(s -> s.pc() < CS_START + 3),
                "not one instruction inside on the new CPU: " + events);
        assertEquals(1, program.restores, "its own mask is given back when it leaves");
    }

    @Test
    void aCpuChangeSeenInTheRseqAreaSendsTheThreadToTheAbortHandler() {
        ScriptedInferior program = program().migrateAfter(18, 1);
        assertEquals(Stepper.End.EXITED, run(program, StepPolicy.INSIDE));
        List<StepEvent.CpuChangeAbort> moved = all(StepEvent.CpuChangeAbort.class);
        assertEquals(1, moved.size(), events.toString());
        assertEquals(0, moved.get(0).from());
        assertEquals(1, moved.get(0).to());
        assertEquals(List.of(Outcome.ABORTED), outcomes());
        assertTrue(all(StepEvent.SectionStepped.class).stream().allMatch(s -> s.pc() < CS_START + 3),
                "not one more instruction inside once the CPU changed: " + events);
    }

    @Test
    void aRefusedBindingSendsTheThreadToTheAbortHandlerBeforeAnyInstructionRuns() {
        ScriptedInferior program = program();
        program.bindingAllowed = false;
        assertEquals(Stepper.End.EXITED, run(program, StepPolicy.INSIDE));
        List<StepEvent.CpuChangeAbort> moved = all(StepEvent.CpuChangeAbort.class);
        assertEquals(1, moved.size(), events.toString());
        assertEquals(-1, moved.get(0).to());
        assertTrue(all(StepEvent.SectionStepped.class).isEmpty(), events.toString());
        assertEquals(List.of(Outcome.ABORTED), outcomes());
    }

    @Test
    void skipBindsTheThreadWhileItWalksASectionWithoutDeclaredExits() {
        ScriptedInferior program = program();
        assertEquals(Stepper.End.EXITED, run(program, StepPolicy.SKIP));
        assertEquals(List.of(0), program.boundTo);
        assertEquals(1, program.restores);
        assertEquals(List.of(Outcome.COMMITTED), outcomes());
    }

}
