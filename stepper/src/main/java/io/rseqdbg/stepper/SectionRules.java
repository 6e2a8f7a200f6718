package io.rseqdbg.stepper;

import io.rseqdbg.elf.Architecture;
import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.elf.RseqTables;
import java.util.ArrayList;
import java.util.List;

/**
 * What a critical section's addresses mean to a tool that runs threads out of it, written once:
 * the {@link Stepper} acts on these rules and {@code rseqdbg table --json} hands them to the gdb
 * bridge, which has no copy of its own (a Python copy once drifted and planted a breakpoint
 * inside a section).
 */
public final class SectionRules {

    /** The signature: the 4 bytes before abort_ip, which must never be overwritten by a breakpoint. */
    private static final int SIGNATURE_BYTES = 4;

    /** opv: see {@link OpvPolicy#REDIRECTS_WITHOUT_PROGRESS}. */
    public static final int OPV_REDIRECTS_WITHOUT_PROGRESS = OpvPolicy.REDIRECTS_WITHOUT_PROGRESS;

    /** Functions whose entry is progress for opv (see {@link SectionLocator#SLOW_PATHS}). */
    public static final List<String> SLOW_PATHS = SectionLocator.SLOW_PATHS;

    /** A live descriptor claiming a longer section is garbage, not code (a stale or wild pointer). */
    public static final long MAX_LIVE_LENGTH = 1 << 20;

    /** Where a section known only from a live {@code rseq_cs} comes from (CriticalSection.section). */
    public static final String LIVE = "rseq_cs (live)";

    private SectionRules() {
    }

    /**
     * A section no table declares, from the descriptor a thread's live {@code rseq_cs} points at
     * (its words read from memory), or null when the descriptor cannot be one. It declares no
     * exits: a run single-steps it ({@link #exitsDeclared} is false), and its ways out are
     * post-commit and abort_ip only.
     */
    public static CriticalSection live(long descriptor, int version, int flags, long start, long postCommitOffset,
                                       long abort, String name) {
        if (postCommitOffset <= 0 || postCommitOffset > MAX_LIVE_LENGTH) {
            return null;
        }
        return new CriticalSection(start, postCommitOffset, abort, List.of(), name, LIVE, Architecture.X86_64,
                version, flags, descriptor);
    }

    /**
     * Where a breakpoint may catch a thread leaving {@code cs}: post-commit, abort_ip and the
     * declared exits, never inside {@code [start, postCommit)} (a breakpoint there aborts the
     * section or, stepped out of line, breaks its atomicity) and never on the signature before
     * abort_ip (the kernel checks it on every abort: the program would die of SIGSEGV). In
     * order, without repeats.
     */
    public static List<Long> waysOut(CriticalSection cs) {
        List<Long> out = new ArrayList<>();
        out.add(cs.postCommit());
        out.add(cs.abort());
        out.addAll(cs.exits());
        out.removeIf(a -> cs.contains(a) || onSignature(cs, a));
        return out.stream().distinct().toList();
    }

    /** True when a thread of {@code cs} stopped at {@code pc} has reached one of its {@link #waysOut}. */
    public static boolean isWayOut(CriticalSection cs, long pc) {
        return !cs.contains(pc) && !onSignature(cs, pc)
                && (pc == cs.postCommit() || pc == cs.abort() || cs.exits().contains(pc));
    }

    /**
     * How a section ended when its thread left it for {@code pc}: abort_ip means aborted (even
     * where it equals post-commit: the kernel only ever sends a thread there on an abort),
     * post-commit means committed, anywhere else (a declared or an undeclared exit) exited.
     */
    public static Outcome outcomeAt(CriticalSection cs, long pc) {
        if (pc == cs.abort()) {
            return Outcome.ABORTED;
        }
        return pc == cs.postCommit() ? Outcome.COMMITTED : Outcome.EXITED;
    }

    /** The outcome of leaving a section for an address that is none of its {@link #waysOut}. */
    public static Outcome outcomeElsewhere() {
        return Outcome.EXITED;
    }

    /**
     * True when the file holding {@code cs} declares its exits (it has an exit-point array), so
     * breakpoints at {@link #waysOut} catch every way out; else a run must single-step the
     * section to see where it leaves (TCMalloc-style tables).
     */
    public static boolean exitsDeclared(CriticalSection cs, RseqTables file) {
        return !cs.exits().isEmpty() || file != null && !file.exitPoints().isEmpty();
    }

    private static boolean onSignature(CriticalSection cs, long a) {
        return a != cs.abort() && Long.compareUnsigned(cs.abort() - a, SIGNATURE_BYTES) <= 0;
    }
}
