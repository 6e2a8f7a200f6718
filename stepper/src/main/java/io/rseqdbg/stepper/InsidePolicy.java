package io.rseqdbg.stepper;

import io.rseqdbg.elf.CriticalSection;

/** inside: stop at every instruction of a section too, the others held and rseq_cs cleared. */
final class InsidePolicy implements SectionPolicy {

    @Override
    public void enter(SteppedThread t, CriticalSection cs, SectionActions act) {
        act.stepThrough(t);
    }
}
