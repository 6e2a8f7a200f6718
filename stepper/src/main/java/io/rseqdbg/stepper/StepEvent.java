package io.rseqdbg.stepper;

import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.ptrace.SignalInfo;
import io.rseqdbg.ptrace.Syscall;

/**
 * What the stepper saw, in order: one clean stream that the summary, the trace file, the progress
 * line and record/replay all consume. Addresses are run-time addresses.
 */
public sealed interface StepEvent {

    int tid();

    /** One ptrace stop outside any critical section (one instruction executed). */
    record Stepped(int tid, long pc) implements StepEvent {
    }

    /** A thread stopped with its pc inside a critical section. */
    record SectionEntered(int tid, long pc, CriticalSection section) implements StepEvent {
    }

    /** inside: one instruction executed within a critical section, others held, rseq_cs cleared. */
    record SectionStepped(int tid, long pc, CriticalSection section) implements StepEvent {
    }

    /** The thread left the critical section; {@code stops} counts ptrace stops spent on it. */
    record SectionLeft(int tid, long pc, CriticalSection section, Outcome outcome, int stops) implements StepEvent {
    }

    /** none: the same section aborted {@code times} in a row without committing once. */
    record AbortLoop(int tid, CriticalSection section, int times) implements StepEvent {
    }

    /**
     * opv: the thread was redirected from this section {@code times} times with no commit and no
     * slow path in between; this entry is stepped over instead (skip), so the program progresses.
     */
    record OpvGaveUp(int tid, CriticalSection section, int times) implements StepEvent {
    }

    /**
     * The thread's rseq_cs was cleared inside {@code section} (the kernel would abort it at the
     * stop), so it was bound to {@code cpu}, the CPU the section runs on, until it leaves.
     */
    record SectionBound(int tid, CriticalSection section, int cpu) implements StepEvent {
    }

    /**
     * A thread with rseq_cs cleared left CPU {@code from} for {@code to} (-1: binding it to
     * {@code from} was refused, or the kernel rewrote its mask before it could run elsewhere), so
     * it was sent to the abort handler, as the kernel would have.
     * A {@link SectionLeft} with outcome aborted follows.
     */
    record CpuChangeAbort(int tid, CriticalSection section, int from, int to) implements StepEvent {
    }

    /**
     * A thread run at full speed to {@code section}'s ways out was found outside it at {@code pc}:
     * it left through an exit its module's table does not declare (README, "skip"). A
     * {@link SectionLeft} with outcome exited follows; stepping goes on from {@code pc}.
     */
    record UndeclaredExit(int tid, long pc, CriticalSection section) implements StepEvent {
    }

    /** A thread came under control: created by {@code parent}, or (parent 0) there from the start. */
    record ThreadStarted(int tid, int parent) implements StepEvent {
    }

    record ThreadExited(int tid) implements StepEvent {
    }

    /**
     * A signal the program gets; it is delivered exactly once, as without rseqdbg. {@code info}:
     * who sent it or where it faulted, null when unknown.
     */
    record SignalDelivered(int tid, int signal, SignalInfo info) implements StepEvent {
        public SignalDelivered(int tid, int signal) {
            this(tid, signal, null);
        }
    }

    /**
     * A stepped instruction was a system call, now returned: the {@link Stepped} (or section
     * event) for the instruction after it follows. Not a step of its own.
     */
    record SyscallReturned(int tid, long pc, Syscall call) implements StepEvent {
    }

    /** The thread stopped for job control ({@code signal}: SIGSTOP, SIGTSTP...) and stays stopped until SIGCONT. */
    record JobStopped(int tid, int signal) implements StepEvent {
    }

    /** SIGCONT ended the thread's job-control stop: stepping goes on. */
    record JobContinued(int tid) implements StepEvent {
    }

    /**
     * The thread executed a new program ({@code program}: its path, from /proc): the program's
     * other threads are gone, and the thread goes on under the process's pid.
     */
    record Executed(int tid, String program) implements StepEvent {
    }

    /** The thread forked ({@code vfork}: vforked) process {@code child}, which runs on unstepped. */
    record Forked(int tid, int child, boolean vfork) implements StepEvent {
    }

    /** The program exited with {@code status} or was killed by {@code signal} (then status is 128 + signal). */
    record ProcessExited(int tid, int status, int signal) implements StepEvent {
    }
}
