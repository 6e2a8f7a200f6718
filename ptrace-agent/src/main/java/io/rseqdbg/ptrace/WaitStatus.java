package io.rseqdbg.ptrace;

import io.rseqdbg.ptrace.internal.Syscalls;

/**
 * Decoding of a waitpid status (the WIFSTOPPED, WEXITSTATUS... macros of sys/wait.h) and the
 * ptrace event a stop carries, plus the signal numbers the tracer itself looks at.
 */
final class WaitStatus {
    static final int SIGTRAP = 5;
    static final int SIGKILL = 9;
    static final int SIGSTOP = 19;
    static final int SIGTSTP = 20;
    static final int SIGTTIN = 21;
    static final int SIGTTOU = 22;

    /** The ptrace event of a stop (PTRACE_EVENT_*, bits 16-23 of the status). */
    enum Event { NONE, FORK, VFORK, CLONE, EXEC, STOP, OTHER }

    private WaitStatus() {
    }

    /** WIFSTOPPED: a ptrace-stop, else the thread exited or was killed. */
    static boolean stopped(int status) {
        return (status & 0xff) == 0x7f;
    }

    /** WIFEXITED. */
    static boolean exited(int status) {
        return (status & 0x7f) == 0;
    }

    /** WEXITSTATUS. */
    static int exitCode(int status) {
        return (status >> 8) & 0xff;
    }

    /** WTERMSIG. */
    static int termSignal(int status) {
        return status & 0x7f;
    }

    /** WCOREDUMP. */
    static boolean coreDumped(int status) {
        return (status & 0x80) != 0;
    }

    /** WSTOPSIG. */
    static int stopSignal(int status) {
        return (status >> 8) & 0xff;
    }

    static Event event(int status) {
        return switch ((status >> 16) & 0xff) {
            case 0 -> Event.NONE;
            case Syscalls.PTRACE_EVENT_FORK -> Event.FORK;
            case Syscalls.PTRACE_EVENT_VFORK -> Event.VFORK;
            case Syscalls.PTRACE_EVENT_CLONE -> Event.CLONE;
            case Syscalls.PTRACE_EVENT_EXEC -> Event.EXEC;
            case Syscalls.PTRACE_EVENT_STOP -> Event.STOP;
            default -> Event.OTHER;
        };
    }

    /** The stop signals of a group-stop (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU). */
    static boolean groupStopSignal(int sig) {
        return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
    }
}
