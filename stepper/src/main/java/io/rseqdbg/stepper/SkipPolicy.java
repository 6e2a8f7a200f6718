package io.rseqdbg.stepper;

import io.rseqdbg.elf.CriticalSection;

/** skip: never stop inside; run each section at full speed to where it leaves, as one step. */
final class SkipPolicy implements SectionPolicy {

    private final SectionLocator sections;
    private final SectionEntries entries;

    SkipPolicy(SectionLocator sections, SectionEntries entries) {
        this.sections = sections;
        this.entries = entries;
    }

    @Override
    public void enter(SteppedThread t, CriticalSection cs, SectionActions act) {
        act.runToExit(t, cs);
    }

    /** At a known entry store, the section runs with the kernel's protection intact. */
    @Override
    public boolean beforeStep(SteppedThread t, long pc, SectionActions act) {
        CriticalSection ahead = entries.at(pc);
        if (ahead == null || !sections.exitsDeclared(ahead)) {
            return false; // without declared exits a free run could miss the way out
        }
        if (!act.mayRunProtected(t)) {
            return false; // entered at start_ip instead, with rseq_cs cleared: counted the same
        }
        act.runProtected(t, ahead);
        return true;
    }
}
