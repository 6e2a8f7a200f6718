package io.rseqdbg.stepper;

import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.stepper.Inferior.Stop;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/** One thread of the stepped program, as the {@link Stepper} and its policies see it. */
final class SteppedThread {

    /** How the thread is being moved right now. */
    enum Mode {
        /** Single-stepping outside any critical section. */
        STEPPING,
        /** skip: running to a breakpoint at post-commit, abort or a declared exit. */
        RUNNING_TO_EXIT,
        /** skip without declared exits: single-stepping through the section, unreported. */
        STEPPING_THROUGH,
        /** inside: single-stepping through the section, reporting each instruction. */
        INSIDE,
        /** none: plain single-stepping inside the section, watching what happens. */
        WATCHING
    }

    final int tid;
    boolean running;
    boolean interruptRequested;
    Mode mode = Mode.STEPPING;
    /** The section the thread is in, or null. */
    CriticalSection section;
    /** ptrace stops spent on the current section. */
    int stops;
    /** The rseq_cs value cleared at entry, given back before a signal or at detach; 0 when none. */
    long savedRseqCs;
    boolean abortedBySignal;
    /** Stops that came while another thread held the program, handled once it lets go. */
    final Deque<Stop> pending = new ArrayDeque<>();
    long steps;
    /** In a job-control stop (SIGSTOP...) and left there until SIGCONT ({@link JobControl}). */
    boolean jobStopped;
    /** An exited leader whose exit the kernel reports only with the whole process. */
    boolean gone;
    /** The CPU the thread is bound to while its rseq_cs is cleared inside a section, else -1. */
    int boundCpu = -1;
    /** skip: running the section from its entry store with rseq_cs untouched. */
    boolean protectedRun;
    /**
     * record/replay: its last stop was a system call's exit that the kernel restarts when it
     * resumes (pc after the call until then). Per thread: others run between that stop and the
     * resume, and the call's own slice may begin there (the recording resumed it into the call).
     */
    boolean restartPending;
    /** Where the thread was single-stepped from to reach its current stop, or -1 when unknown. */
    long previousPc = -1;
    /** Per section start, a policy's count of passes without progress (opv: redirects; none: aborts). */
    final Map<Long, Integer> passesWithoutProgress = new HashMap<>();

    SteppedThread(int tid) {
        this.tid = tid;
    }

    boolean inside() {
        return section != null;
    }
}
