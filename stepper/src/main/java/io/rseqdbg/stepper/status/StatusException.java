package io.rseqdbg.stepper.status;

/** Why a process's status could not be read: one line for the user ("status 4242: no such process"). */
public final class StatusException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StatusException(String message) {
        super(message);
    }
}
