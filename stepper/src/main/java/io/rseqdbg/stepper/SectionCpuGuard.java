package io.rseqdbg.stepper;

import io.rseqdbg.elf.CriticalSection;
import java.util.function.Consumer;

/**
 * One CPU from start to commit for a section whose thread has its rseq_cs cleared (the kernel no
 * longer aborts it on migration): the thread is bound to the CPU its rseq area names, and when it
 * moves anyway, or binding is refused, it is sent to the abort handler as the kernel would have.
 */
final class SectionCpuGuard {

    private final Inferior inferior;
    private final StepListener listener;
    /** Leaves the thread's section at its abort handler (where its pc now is) and moves it on. */
    private final Consumer<SteppedThread> sentToAbort;

    SectionCpuGuard(Inferior inferior, StepListener listener, Consumer<SteppedThread> sentToAbort) {
        this.inferior = inferior;
        this.listener = listener;
        this.sentToAbort = sentToAbort;
    }

    /**
     * Clears the thread's rseq_cs (the kernel would abort the section on resume) and binds it to
     * the CPU its rseq area names, the one the section started on. False when binding was
     * refused: the thread has then been sent to the abort handler instead.
     */
    boolean clearAndBind(SteppedThread t) {
        t.savedRseqCs = clearRseqCs(t);
        int cpu = inferior.cpuId(t.tid);
        if (cpu < 0) {
            return true; // no rseq area: the kernel would never abort this section anyway
        }
        if (inferior.bindToCpu(t.tid, cpu)) {
            t.boundCpu = cpu;
            listener.on(new StepEvent.SectionBound(t.tid, t.section, cpu));
            return true;
        }
        abortOnOtherCpu(t, cpu, -1);
        return false;
    }

    /**
     * True (and the thread sent to its abort handler) when a bound thread cannot go on inside:
     * its CPU changed, or the kernel rewrote its mask (the CPU went offline, a cpuset dropped
     * it), so that its next instruction would run elsewhere.
     */
    boolean movedOff(SteppedThread t) {
        if (t.boundCpu < 0) {
            return false;
        }
        int now = inferior.cpuId(t.tid);
        if (now != t.boundCpu) {
            abortOnOtherCpu(t, t.boundCpu, now);
            return true;
        }
        if (!inferior.isBoundTo(t.tid, t.boundCpu)) {
            abortOnOtherCpu(t, t.boundCpu, -1);
            return true;
        }
        return false;
    }

    /**
     * What the kernel does to a section whose thread migrates: rseq_cs cleared, pc at the abort
     * handler. {@code to} is -1 when binding was refused before the thread could move.
     */
    private void abortOnOtherCpu(SteppedThread t, int from, int to) {
        CriticalSection cs = t.section;
        t.savedRseqCs = 0;
        inferior.setRseqCs(t.tid, 0);
        inferior.setPc(t.tid, cs.abort());
        listener.on(new StepEvent.CpuChangeAbort(t.tid, cs, from, to));
        sentToAbort.accept(t);
    }

    /** Clears the thread's rseq_cs; returns what it held (0: nothing to clear). */
    long clearRseqCs(SteppedThread t) {
        long value = inferior.rseqCs(t.tid);
        if (value != 0) {
            inferior.setRseqCs(t.tid, 0);
        }
        return value;
    }
}
