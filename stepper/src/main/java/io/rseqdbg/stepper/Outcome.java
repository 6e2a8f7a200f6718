package io.rseqdbg.stepper;

import java.util.Locale;

/** How a thread left a critical section. */
public enum Outcome {
    /** Reached the post-commit address: the section's effect happened. */
    COMMITTED,
    /** Reached the abort handler: the section had no effect and the program will retry or fall back. */
    ABORTED,
    /** Left through a declared (or observed) exit point, e.g. a list pop on an empty list. */
    EXITED,
    /** opv: the stepper moved the thread to the abort handler itself. */
    REDIRECTED;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
