package io.rseqdbg.stepper;

import io.rseqdbg.elf.CriticalSection;

/**
 * What one {@link StepPolicy} decides at critical sections. The {@link Stepper} reports the
 * stops and carries the decisions out ({@link SectionActions}); a policy only chooses.
 */
interface SectionPolicy {

    /** The thread stopped at its first instruction in {@code cs} (already reported as entered). */
    void enter(SteppedThread t, CriticalSection cs, SectionActions act);

    /**
     * The thread stopped at {@code pc}, outside any section (already reported as a step), about
     * to be stepped on. True when the policy moved it itself.
     */
    default boolean beforeStep(SteppedThread t, long pc, SectionActions act) {
        return false;
    }

    /** The thread left {@code cs} with {@code outcome} (already reported). */
    default void left(SteppedThread t, CriticalSection cs, Outcome outcome, SectionActions act) {
    }

    static SectionPolicy of(StepPolicy policy, SectionLocator sections, SectionEntries entries) {
        return switch (policy) {
            case SKIP -> new SkipPolicy(sections, entries);
            case INSIDE -> new InsidePolicy();
            case OPV -> new OpvPolicy(sections);
            case NONE -> new WatchPolicy();
        };
    }
}
