package io.rseqdbg.stepper.replay;

/** A trace that cannot be read: truncated, damaged, empty, foreign or of another version. One line. */
public final class TraceException extends RuntimeException {

    public TraceException(String message) {
        super(message);
    }
}
