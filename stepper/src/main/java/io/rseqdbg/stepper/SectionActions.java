package io.rseqdbg.stepper;

import io.rseqdbg.elf.CriticalSection;

/** What a {@link SectionPolicy} can have the {@link Stepper} do with a thread at a section. */
interface SectionActions {

    /** inside: hold the others, clear rseq_cs, bind the thread to its CPU, stop at every instruction. */
    void stepThrough(SteppedThread t);

    /** skip from a stop inside: hold the others, clear rseq_cs, bind, run to a way out. */
    void runToExit(SteppedThread t, CriticalSection cs);

    /** skip from the store that enters {@code cs}: run it with rseq_cs untouched, to a way out. */
    void runProtected(SteppedThread t, CriticalSection cs);

    /** skip: whether {@link #runProtected} may be used here (replay may want the section cleared instead). */
    boolean mayRunProtected(SteppedThread t);

    /** opv: send the thread to the abort handler (always legal before the commit). */
    void redirect(SteppedThread t, CriticalSection cs);

    /** none: single-step on inside, touching nothing. */
    void watch(SteppedThread t);

    void report(StepEvent event);
}
