package io.rseqdbg.ptrace;

/**
 * A tracing request that failed. The message is one line meant for the user ("attach 4242: no
 * such process"); {@link #request()}, {@link #tid()} and {@link #errno()} keep the parts.
 */
public class TraceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String request;
    private final int tid;
    private final int errno;

    public TraceException(String request, int tid, int errno, String message) {
        super(message);
        this.request = request;
        this.tid = tid;
        this.errno = errno;
    }

    /** The request that failed: "attach", "launch", "PTRACE_SINGLESTEP", "read memory", ... */
    public String request() {
        return request;
    }

    /** The thread or process concerned, 0 when none. */
    public int tid() {
        return tid;
    }

    /** The errno behind the failure, 0 when it was not a failed system call. */
    public int errno() {
        return errno;
    }
}
