package io.rseqdbg.stepper;

import java.util.SortedSet;

/**
 * The decisions of a serialized run ({@link Stepper#serialize}): only one thread of the program
 * runs at any moment, and this says which and for how long. Threads are named by logical id
 * (creation order, 0 = the first thread), never by tid, so that a schedule survives a re-run.
 * The mechanism (parking threads, the block watchdog) is the stepper's; a recording scheduler
 * and a replaying one differ only here.
 */
public interface Schedule {

    /**
     * What becomes of a thread before its next instruction, beyond running it: a recorded signal
     * (replay), or an abort of the section it is in (replay: the recorded one; record
     * {@code --chaos}: a preemption inside the section, which the kernel turns into an abort).
     */
    record Directive(Kind kind, int signal, SyscallAnswer answer) {

        public enum Kind {
            /** Run on (or park: the serializer's own answer for a thread whose turn it is not). */
            RUN, PARK,
            /** Deliver {@code signal} before the next instruction, as any signal. */
            SIGNAL,
            /** The section aborts here: rseq_cs cleared, the thread at its abort handler. */
            ABORT,
            /** {@code signal} lands inside the section: the kernel aborts it, then runs the handler. */
            ABORT_BY_SIGNAL,
            /**
             * The next instruction is a system call: it returns {@code answer} without the kernel
             * running it (replay, for a call whose result is not a function of the program's input).
             */
            ANSWER
        }

        public static final Directive RUN = new Directive(Kind.RUN, 0, null);
        public static final Directive PARK = new Directive(Kind.PARK, 0, null);
        public static final Directive ABORT = new Directive(Kind.ABORT, 0, null);

        public static Directive signal(int signal) {
            return new Directive(Kind.SIGNAL, signal, null);
        }

        public static Directive abortBySignal(int signal) {
            return new Directive(Kind.ABORT_BY_SIGNAL, signal, null);
        }

        public static Directive answer(SyscallAnswer answer) {
            return new Directive(Kind.ANSWER, 0, answer);
        }
    }

    /** How long a step of the running thread may take before it counts as blocked in the kernel. */
    long blockTimeoutMillis();

    /**
     * The running thread is stopped where a switch is allowed (outside any section, holding
     * nobody). True to end its slice here.
     *
     * @param sliceSteps instructions it executed in this slice
     * @param blocked    its last step did not come back within {@link #blockTimeoutMillis()}
     * @param atSyscall  whether its next instruction is a system call (where a thread blocks in the
     *                   kernel); asked only where it matters, since it reads the program's memory
     */
    boolean endSlice(int logical, long sliceSteps, boolean blocked, java.util.function.BooleanSupplier atSyscall);

    /**
     * The slice of {@code logical} ended after {@code sliceSteps} instructions ({@code blocked}:
     * ended by the watchdog; {@code exited}: the thread ended). Pick who runs next among
     * {@code runnable} (it holds {@code logical} unless the thread exited; empty only after the
     * last thread exited, when the answer is ignored). Returning {@code logical} continues its slice.
     */
    int next(int logical, long sliceSteps, boolean blocked, boolean exited, SortedSet<Integer> runnable);

    /** A live signal for {@code logical}, stopped at instruction {@code steps}: false to drop it (replay). */
    default boolean deliverLive(int logical, long steps, int signal, boolean inSection) {
        return true;
    }

    /**
     * {@code logical} is stopped after instruction {@code steps}, about to run on ({@code stop}:
     * 0 outside sections, else which stop this is in its section, 1 at the entry, or at the store
     * that enters one under skip; {@code alone}: no other thread could run now). What happens
     * first; {@link Directive#RUN} for nothing. {@link Directive.Kind#ABORT} and
     * {@code ABORT_BY_SIGNAL} only inside a section.
     */
    default Directive before(int logical, long steps, int stop, boolean alone) {
        return Directive.RUN;
    }

    /**
     * skip, at the store that enters a section (instruction {@code steps}): true to run the
     * section with the kernel's protection (rseq_cs untouched, so the kernel aborts it on
     * preemption or a signal); false to enter it at start_ip, clear rseq_cs and bind the thread,
     * so that nothing aborts it (replay, where the recording says it committed).
     */
    default boolean runProtected(int logical, long steps) {
        return true;
    }
}
