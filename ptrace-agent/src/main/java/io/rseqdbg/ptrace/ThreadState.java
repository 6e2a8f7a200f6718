package io.rseqdbg.ptrace;

/** What the tracer knows about one traced thread. Touched by the tracer thread only. */
final class ThreadState {
    /** How a thread was last set running, so a hold can set it running the same way again. */
    enum Resume { CONT, STEP, LISTEN }

    /** Why a PTRACE_INTERRUPT is outstanding. */
    enum Interrupt { NONE, USER, HOLD }

    static final long UNKNOWN_PC = -1;

    final int tid;
    ProcessState process;
    /** In a ptrace-stop that waitpid has reported. */
    boolean stopped;
    /** Signal of the last signal-delivery stop, delivered on the next resume. */
    int pendingSignal;
    Resume lastResume = Resume.CONT;
    /** Resumed with PTRACE_SINGLESTEP and the trap not reported yet. */
    boolean stepping;
    Interrupt interrupt = Interrupt.NONE;
    /** Stopped by a hold's interrupt with nothing to report: the hold sets it running again. */
    boolean heldSilently;
    /** A leader that called pthread_exit, or a thread that died in an exec: never stops again. */
    boolean zombie;
    /** The pc while stopped, when already known (saves a PEEKUSER on the step path). */
    long knownPc = UNKNOWN_PC;
    /** Set when the instruction being stepped is pushf: the pushed trap flag must be cleared. */
    PushfFixup pushf;
    /** A popf or iret was stepped since the thread last ran freely: TF must be cleared before it does. */
    boolean trapFlagAdopted;
    /** The last resume single-stepped an instruction that writes no memory (see {@link StoreCheck}). */
    boolean steppedNonStore;
    /** An interrupt stopped a step: the step's trap may come after the next resume. */
    boolean distrustNextStep;
    /**
     * Stopped at an exec and not resumed since: the kernel still reports the old image's rseq
     * registration there (it clears it only after the PTRACE_EVENT_EXEC stop).
     */
    boolean atExec;
    /** The thread's own CPU mask while the tracer keeps it on one CPU ({@link CpuAffinity#bindToCpu}), else null. */
    byte[] ownAffinity;

    ThreadState(int tid, ProcessState process, boolean stopped) {
        this.tid = tid;
        this.process = process;
        this.stopped = stopped;
    }

    @Override
    public String toString() {
        return "thread " + tid + (stopped ? " (stopped)" : " (running)");
    }
}
