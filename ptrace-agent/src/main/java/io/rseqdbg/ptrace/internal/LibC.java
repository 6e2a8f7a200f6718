package io.rseqdbg.ptrace.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * glibc entry points, bound with JNA direct mapping (about 0.3 µs a call). Pointers travel as raw
 * {@code long} addresses of buffers owned by {@link Syscalls}, so no call on the step path
 * allocates or marshals a structure. No method declares {@code LastErrorException}: measured
 * here, that doubles the cost of a call; {@link Native#getLastError()} is read after a failure.
 */
final class LibC {
    static {
        Native.register(NativeLibrary.getInstance("c"));
    }

    private LibC() {
    }

    /** The raw system call, so PEEK requests return their word through {@code data}. */
    static native long syscall(long number, long a1, long a2, long a3, long a4);

    static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    static native int waitpid(int pid, long status, int options);

    static native int tgkill(int tgid, int tid, int signal);

    static native int kill(int pid, int signal);

    static native int gettid();

    static native int getpid();

    static native int sched_setaffinity(int pid, long size, long mask);

    static native int sched_getaffinity(int pid, long size, long mask);

    static native int sigaction(int signal, long act, long oldact);

    static native int pthread_sigmask(int how, long set, long oldset);

    static native int sigemptyset(long set);

    static native int sigaddset(long set, int signal);

    static native String strerror(int errno);
}
