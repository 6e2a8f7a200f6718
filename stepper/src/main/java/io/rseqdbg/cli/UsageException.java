package io.rseqdbg.cli;

/** Bad usage or unreadable input: reported as one line on stderr with exit status 2. */
final class UsageException extends RuntimeException {

    UsageException(String message) {
        super(message);
    }

    UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
