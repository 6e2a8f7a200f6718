package io.rseqdbg.stepper;

import io.rseqdbg.elf.CriticalSection;
import java.util.function.LongSupplier;

/**
 * Where a section run at full speed stands when its watchdog stopped it: still in the run, or
 * gone through an exit no table declares. Outside its section, or inside it again with rseq_cs
 * set by a new entry (rseqdbg cleared it for this run), it left undeclared. (A thread caught
 * inside a section it entered again under the kernel's protection aborts it when resumed, and
 * its abort handler's breakpoint ends the run: bounded, though counted an abort.)
 */
final class FullSpeedRun {

    private FullSpeedRun() {
    }

    /**
     * @param protectedRun the run began at the entry store (skip), so the store may not have run yet
     * @param rseqCs       the thread's rseq_cs field, read only when it matters
     */
    static boolean leftUndeclared(CriticalSection cs, boolean protectedRun, long pc, LongSupplier rseqCs) {
        boolean beforeEntryStore = protectedRun && SectionEntries.mayBeEntryStore(cs, pc);
        boolean enteredAgain = !protectedRun && cs.contains(pc) && rseqCs.getAsLong() != 0;
        return enteredAgain || !(cs.contains(pc) || pc == cs.abort() || beforeEntryStore);
    }
}
