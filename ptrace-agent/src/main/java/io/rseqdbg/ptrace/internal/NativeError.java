package io.rseqdbg.ptrace.internal;

/** A failed system call: the call's name and errno. The tracer turns it into its own exception. */
public final class NativeError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EINVAL = 22;

    private final String call;
    private final int errno;

    NativeError(String call, int errno) {
        super(call + ": " + describe(errno), null, false, false);
        this.call = call;
        this.errno = errno;
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }

    /** "ESRCH (No such process)". */
    public static String describe(int errno) {
        return name(errno) + " (" + LibC.strerror(errno) + ")";
    }

    public static String name(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case ESRCH -> "ESRCH";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case ECHILD -> "ECHILD";
            case EAGAIN -> "EAGAIN";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EINVAL -> "EINVAL";
            default -> "errno " + errno;
        };
    }
}
