package io.rseqdbg.ptrace;

/**
 * What {@link Tracer#waitEvent()} reports: one stop or exit of one traced thread. Every stop leaves
 * its thread stopped until it is resumed; exits leave nothing to resume.
 */
public sealed interface TraceEvent {
    /** The thread the event is about (for process exits, the process id). */
    int tid();

    /**
     * A single-step completed: the thread is stopped before its next instruction. When that
     * instruction was a system call, {@code syscall} is the call with its result (the kernel
     * reports the step at the call's exit); null otherwise. Single-stepping sees every system
     * call of a stepped thread this way, with no stop of its own (no PTRACE_SYSCALL).
     */
    record Stepped(int tid, Syscall syscall) implements TraceEvent {
        public Stepped(int tid) {
            this(tid, null);
        }
    }

    /** The thread hit the breakpoint at {@code address}; its pc is already back on that address. */
    record BreakpointHit(int tid, long address) implements TraceEvent {
    }

    /**
     * A signal is about to be delivered. It is delivered on the thread's next resume unless
     * {@link Tracer#suppressSignal(int)} drops it first or the resume names another signal.
     */
    record SignalStop(int tid, int signal, SignalInfo info) implements TraceEvent {
    }

    /**
     * The thread takes part in a job-control stop (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU), or was
     * interrupted while its process is in one. Resuming it makes it run although its process is
     * stopped; {@link Tracer#listen} leaves it stopped, as untraced, until SIGCONT.
     */
    record GroupStop(int tid, int signal) implements TraceEvent {
    }

    /**
     * A thread left in its group-stop by {@link Tracer#listen} saw the group-stop end (SIGCONT):
     * it is stopped and runs on when resumed. The SIGCONT itself comes as a {@link SignalStop}.
     */
    record Continued(int tid) implements TraceEvent {
    }

    /** The thread stopped because {@link Tracer#interrupt(int)} asked it to. */
    record Interrupted(int tid) implements TraceEvent {
    }

    /** Thread {@code tid} created thread {@code newTid}; both are stopped. */
    record ThreadCreated(int tid, int newTid) implements TraceEvent {
    }

    /** Thread {@code tid} forked (or vforked) process {@code childPid}, now traced too; both are stopped. */
    record Forked(int tid, int childPid, boolean vfork) implements TraceEvent {
    }

    /**
     * The process executed a new program; it is stopped at the new program's first instruction.
     * Its breakpoints are gone with the old image. {@code formerTid} is the thread that called
     * execve when that was not the leader.
     */
    record Exec(int tid, int formerTid) implements TraceEvent {
    }

    /** A thread other than the process leader is gone. */
    record ThreadExited(int tid) implements TraceEvent {
    }

    /** The process exited with {@code exitCode}; nothing of it is traced any more. */
    record ProcessExited(int pid, int exitCode) implements TraceEvent {
        @Override
        public int tid() {
            return pid;
        }
    }

    /** The process was killed by {@code signal}; nothing of it is traced any more. */
    record ProcessKilled(int pid, int signal, boolean coreDumped) implements TraceEvent {
        @Override
        public int tid() {
            return pid;
        }
    }
}
