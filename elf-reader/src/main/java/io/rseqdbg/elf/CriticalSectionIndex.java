package io.rseqdbg.elf;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Finds the critical section holding an address: binary search on start, then a bounded walk back. */
final class CriticalSectionIndex {

    /** Longer sections are corrupt (the checks report them) and never match a lookup. */
    private static final long MAX_LENGTH = 1L << 20;

    private final CriticalSection[] byStart;
    private final long longest;

    CriticalSectionIndex(List<CriticalSection> sections) {
        List<CriticalSection> usable = new ArrayList<>();
        long longest = 0;
        for (CriticalSection cs : sections) {
            if (Long.compareUnsigned(cs.postCommitOffset(), MAX_LENGTH) <= 0) {
                usable.add(cs);
                longest = Math.max(longest, cs.postCommitOffset());
            }
        }
        usable.sort(Comparator.comparing(CriticalSection::start, Long::compareUnsigned));
        this.byStart = usable.toArray(new CriticalSection[0]);
        this.longest = longest;
    }

    Optional<CriticalSection> containing(long pc) {
        int lo = 0;
        int hi = byStart.length - 1;
        int last = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(byStart[mid].start(), pc) <= 0) {
                last = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        for (int i = last; i >= 0 && Long.compareUnsigned(pc - byStart[i].start(), longest) < 0; i--) {
            if (byStart[i].contains(pc)) {
                return Optional.of(byStart[i]);
            }
        }
        return Optional.empty();
    }
}
