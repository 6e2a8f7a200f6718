package io.rseqdbg.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.elf.Architecture;
import io.rseqdbg.elf.CriticalSection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one place that says where a section can be left and what leaving there means. */
class SectionRulesTest {

    private static CriticalSection section(long start, long length, long abort, Long... exits) {
        return new CriticalSection(start, length, abort, List.of(exits), "f+1", "__rseq_cs", Architecture.X86_64,
                0, 0, 0x4000);
    }

    @Test
    void waysOutArePostCommitAbortAndExitsInOrder() {
        CriticalSection cs = section(0x1000, 0x10, 0x2004, 0x1020L, 0x1030L);
        assertEquals(List.of(0x1010L, 0x2004L, 0x1020L, 0x1030L), SectionRules.waysOut(cs));
    }

    @Test
    void anExitInsideTheSectionIsNoWayOut() {
        CriticalSection cs = section(0x1000, 0x10, 0x2004, 0x1008L, 0x1000L);
        assertEquals(List.of(0x1010L, 0x2004L), SectionRules.waysOut(cs));
        assertFalse(SectionRules.isWayOut(cs, 0x1008));
        assertFalse(SectionRules.isWayOut(cs, 0x1000));
    }

    @Test
    void nothingOnTheFourSignatureBytesButAbortItself() {
        CriticalSection cs = section(0x1000, 0x10, 0x2004, 0x2000L, 0x2003L, 0x1ffcL, 0x2005L);
        assertEquals(List.of(0x1010L, 0x2004L, 0x1ffcL, 0x2005L), SectionRules.waysOut(cs));
        // a post-commit that falls on the signature (abort_ip right behind the section) is none either
        CriticalSection tight = section(0x1000, 0x10, 0x1012);
        assertEquals(List.of(0x1012L), SectionRules.waysOut(tight));
        assertTrue(SectionRules.isWayOut(tight, 0x1012));
        assertFalse(SectionRules.isWayOut(tight, 0x1010));
    }

    @Test
    void repeatedAddressesAppearOnce() {
        CriticalSection cs = section(0x1000, 0x10, 0x2004, 0x1010L, 0x2004L);
        assertEquals(List.of(0x1010L, 0x2004L), SectionRules.waysOut(cs));
    }

    @Test
    void outcomes() {
        CriticalSection cs = section(0x1000, 0x10, 0x2004, 0x1020L);
        assertEquals(Outcome.COMMITTED, SectionRules.outcomeAt(cs, 0x1010));
        assertEquals(Outcome.ABORTED, SectionRules.outcomeAt(cs, 0x2004));
        assertEquals(Outcome.EXITED, SectionRules.outcomeAt(cs, 0x1020));
        assertEquals(Outcome.EXITED, SectionRules.outcomeAt(cs, 0x5000));
        // the kernel only ever sends a thread to abort_ip on an abort
        assertEquals(Outcome.ABORTED, SectionRules.outcomeAt(section(0x1000, 0x10, 0x1010), 0x1010));
    }
}
