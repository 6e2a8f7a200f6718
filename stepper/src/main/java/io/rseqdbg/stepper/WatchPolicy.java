package io.rseqdbg.stepper;

import io.rseqdbg.elf.CriticalSection;

/** none: plain single-stepping inside too, touching nothing; reports the abort loop it causes. */
final class WatchPolicy implements SectionPolicy {

    /** Aborts of one section in a row, with no commit, that make a loop worth reporting. */
    static final int ABORT_LOOP_LIMIT = 10;

    @Override
    public void enter(SteppedThread t, CriticalSection cs, SectionActions act) {
        act.watch(t);
    }

    @Override
    public void left(SteppedThread t, CriticalSection cs, Outcome outcome, SectionActions act) {
        if (outcome != Outcome.ABORTED) {
            t.passesWithoutProgress.remove(cs.start());
            return;
        }
        int times = t.passesWithoutProgress.merge(cs.start(), 1, Integer::sum);
        if (times == ABORT_LOOP_LIMIT) {
            act.report(new StepEvent.AbortLoop(t.tid, cs, times));
        }
    }
}
