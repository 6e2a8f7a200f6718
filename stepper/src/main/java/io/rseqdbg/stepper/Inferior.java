package io.rseqdbg.stepper;

import io.rseqdbg.elf.LoadMap;
import io.rseqdbg.ptrace.SignalInfo;
import io.rseqdbg.ptrace.Syscall;
import java.io.IOException;

/**
 * The traced program as the stepper drives it: a live ptrace session here, a recorded trace for
 * replay. Every call happens on the thread that runs the stepper (for ptrace: the tracer thread).
 * Its plain data ({@link Syscall}, {@link SignalInfo}) is the tracer's own records: a recorded
 * trace builds them too.
 */
public interface Inferior {

    /** Waits for the next stop or exit of any thread of the program. */
    Stop next();

    /** Executes one instruction of {@code tid}, delivering {@code signal} first when it is not 0. */
    void step(int tid, int signal);

    /** Lets {@code tid} run until its next stop, delivering {@code signal} first when not 0. */
    void resume(int tid, int signal);

    /** Asks a running thread to stop; the stop arrives as {@link Stop.Interrupted} (perhaps after another). */
    void interrupt(int tid);

    /**
     * Leaves a thread that reported {@link Stop.GroupStopped} in its job-control stop, as the
     * kernel wants it: it reports {@link Stop.Continued} when SIGCONT ends the stop, or
     * {@link Stop.GroupStopped} again when interrupted before that.
     */
    void listen(int tid);

    /**
     * True when {@code tid}, one of the threads the run starts with, already has a stop for
     * {@link #next()} to report (a thread found in a job-control stop when attached): the stepper
     * waits for that stop instead of resuming it.
     */
    default boolean stopPending(int tid) {
        return false;
    }

    long pc(int tid);

    /** Moves the pc of a stopped thread, making sure the kernel does not restart a syscall over it. */
    void setPc(int tid, long pc);

    /**
     * False only when {@code tid} cannot have written memory since its previous stop (it stepped
     * one instruction that stores nothing), so what it alone writes, like its rseq_cs, is unchanged.
     */
    boolean mayHaveStored(int tid);

    long readLong(long address);

    void writeLong(long address, long value);

    byte[] read(long address, int length);

    /** Writes {@code bytes} into the program's memory at {@code address}. */
    void write(long address, byte[] bytes);

    /**
     * Makes the system call {@code tid} is about to make return {@code result} without running it
     * (replay's injection of a recorded result): the call as the thread now sees it returned, or
     * null, and nothing changed, when its next instruction is not that call.
     */
    Syscall answerSyscall(int tid, long number, long result);

    /** Address of the thread's registered {@code struct rseq}, or 0 when it has none. */
    long rseqArea(int tid);

    /** Offset of {@code rseq_cs} in {@code struct rseq} (after cpu_id_start and cpu_id). */
    int RSEQ_CS_OFFSET = 8;

    /** The thread's {@code rseq->rseq_cs}: its current descriptor's address, 0 when none or unregistered. */
    default long rseqCs(int tid) {
        long area = rseqArea(tid);
        return area == 0 ? 0 : readLong(area + RSEQ_CS_OFFSET);
    }

    /** Sets the thread's {@code rseq->rseq_cs}; nothing when it has no rseq area. */
    default void setRseqCs(int tid, long value) {
        long area = rseqArea(tid);
        if (area != 0) {
            writeLong(area + RSEQ_CS_OFFSET, value);
        }
    }

    /**
     * The CPU the kernel last reported to the thread in its rseq area ({@code cpu_id}: updated on
     * every return to user space after a migration), or -1 when it has no area or none yet.
     */
    default int cpuId(int tid) {
        long area = rseqArea(tid);
        if (area == 0) {
            return -1;
        }
        int cpu = (int) (readLong(area) >>> 32); // little-endian {u32 cpu_id_start; u32 cpu_id}
        return Math.max(cpu, -1);
    }

    /**
     * Keeps a stopped thread on {@code cpu} until {@link #restoreAffinity} or {@link #detach}
     * gives it its own CPU mask back. False when the kernel refuses (a cpuset without that CPU,
     * the CPU offline): the thread's mask is then unchanged.
     */
    boolean bindToCpu(int tid, int cpu);

    /** Gives a thread bound by {@link #bindToCpu} its own CPU mask back; nothing when it is not bound. */
    void restoreAffinity(int tid);

    /**
     * True while the thread's CPU mask is still just {@code cpu}: the kernel rewrites it when that
     * CPU goes offline or a cpuset drops it, and the thread would then run elsewhere.
     */
    boolean isBoundTo(int tid, int cpu);

    void insertBreakpoint(long address);

    void removeBreakpoint(long address);

    int pid();

    /**
     * The modules mapped in the program now, with their tables and load biases: from
     * {@code /proc/PID/maps} for a live process; a recorded trace supplies its own.
     */
    default LoadMap loadMap() throws IOException {
        return LoadMap.read(pid());
    }

    /** The path of the program the process runs now ({@code /proc/PID/exe}), "?" when unreadable. */
    default String executable() {
        try {
            return java.nio.file.Files.readSymbolicLink(io.rseqdbg.elf.ProcessDirectory.of(pid()).resolve("exe"))
                    .toString();
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /**
     * True when {@code tid} is dead or dying (SIGKILLed, its process gone): an operation on it
     * failed for that reason, and its exit is on its way through {@link #next()}.
     */
    boolean threadGone(int tid);

    /**
     * Safe from any thread: makes a pending or the next {@link #next()} return soon with an
     * {@link Stop.Interrupted}, so the stepper notices a stop request (Ctrl-C, SIGTERM).
     */
    void wakeUp();

    /**
     * Lets every thread go: every byte changed in the program and every bound thread's CPU mask
     * are restored, and each thread gets
     * the signal {@code signals} names for it (0 or absent: none).
     */
    void detach(java.util.Map<Integer, Integer> signals);

    /** A stop of one thread, or the end of the program. */
    sealed interface Stop {
        int tid();

        /** A single step finished, or a breakpoint was hit ({@code breakpoint} is then its address, else -1). */
        record Trapped(int tid, long pc, long breakpoint) implements Stop {
        }

        /**
         * A single step ran a system call: the thread is stopped after it, at {@code pc}, and
         * {@code call} holds its number, arguments and result. Otherwise a {@link Trapped}.
         */
        record SyscallStepped(int tid, long pc, Syscall call) implements Stop {
        }

        /**
         * A signal is about to be delivered; it is delivered if the next step or resume passes it
         * on. {@code info} is its siginfo (sender, fault address), null when unknown.
         */
        record Signalled(int tid, int signal, SignalInfo info) implements Stop {
            public Signalled(int tid, int signal) {
                this(tid, signal, null);
            }
        }

        /** The stop {@link #interrupt} asked for, or a stop that needs nothing but a resume. */
        record Interrupted(int tid) implements Stop {
        }

        /**
         * The thread is in a job-control stop ({@code signal}: SIGSTOP, SIGTSTP, SIGTTIN or
         * SIGTTOU; its process was stopped by it, before or during the run). Resumed, it would run
         * although its process is stopped: {@link #listen} keeps it stopped until SIGCONT.
         */
        record GroupStopped(int tid, int signal) implements Stop {
        }

        /** SIGCONT ended the job-control stop a {@link #listen}ing thread was in; it is stopped, ready to go on. */
        record Continued(int tid) implements Stop {
        }

        /** {@code tid} forked ({@code vfork}: vforked) process {@code child}, which runs on untraced by the stepper. */
        record Forked(int tid, int child, boolean vfork) implements Stop {
        }

        /** {@code tid} created thread {@code child}; both are stopped. */
        record Cloned(int tid, int child) implements Stop {
        }

        /** The program called exec: its modules are new. {@code tid} is the thread that remains. */
        record Exec(int tid) implements Stop {
        }

        record ThreadExited(int tid) implements Stop {
        }

        /** The program is gone: {@code status} as a shell reports it (128 + signal when killed). */
        record Exited(int tid, int status, int signal) implements Stop {
        }
    }
}
