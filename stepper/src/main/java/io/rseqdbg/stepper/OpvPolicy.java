package io.rseqdbg.stepper;

import io.rseqdbg.elf.CriticalSection;

/**
 * opv: send each section to its abort handler, so the program's own slow path runs (with the
 * bundled runtime: cpu_opv, ordinary code that single-steps fine). An abort handler that only
 * retries would loop forever: after {@link #REDIRECTS_WITHOUT_PROGRESS} redirects of one section
 * by one thread with no commit and no slow path reached in between, the next entry is stepped
 * over instead — a rule no length of retry path (a backoff, a sleep, a log line) can defeat.
 */
final class OpvPolicy implements SectionPolicy {

    /** More than the bundled runtime's fast-path tries (4), so its slow path is always reached first. */
    static final int REDIRECTS_WITHOUT_PROGRESS = 16;

    private final SectionLocator sections;

    OpvPolicy(SectionLocator sections) {
        this.sections = sections;
    }

    @Override
    public void enter(SteppedThread t, CriticalSection cs, SectionActions act) {
        int redirects = t.passesWithoutProgress.getOrDefault(cs.start(), 0);
        if (redirects >= REDIRECTS_WITHOUT_PROGRESS) {
            t.passesWithoutProgress.remove(cs.start());
            act.report(new StepEvent.OpvGaveUp(t.tid, cs, redirects));
            act.runToExit(t, cs);
            return;
        }
        t.passesWithoutProgress.put(cs.start(), redirects + 1);
        act.redirect(t, cs);
    }

    @Override
    public boolean beforeStep(SteppedThread t, long pc, SectionActions act) {
        if (!t.passesWithoutProgress.isEmpty() && sections.isSlowPath(pc)) {
            t.passesWithoutProgress.clear(); // the program's slow path: progress
        }
        return false;
    }

    @Override
    public void left(SteppedThread t, CriticalSection cs, Outcome outcome, SectionActions act) {
        if (outcome == Outcome.COMMITTED) {
            t.passesWithoutProgress.remove(cs.start());
        }
    }
}
