package io.rseqdbg.ptrace;

/**
 * The tracer was closed — by {@link Tracer#close()} or because rseqdbg is shutting down on SIGINT
 * or SIGTERM — while a caller was waiting on it. Every tracee has been restored and detached.
 */
public final class TracerClosedException extends TraceException {
    private static final long serialVersionUID = 1L;

    public TracerClosedException(String request) {
        super(request, 0, 0, "tracer closed: every tracee was restored and detached");
    }
}
