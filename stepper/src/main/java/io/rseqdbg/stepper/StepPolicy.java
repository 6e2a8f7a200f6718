package io.rseqdbg.stepper;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What single-stepping does at an rseq critical section (DESIGN.md 3). */
public enum StepPolicy {
    /** Never stop inside: run the section at full speed to where it leaves, report one step. */
    SKIP,
    /** Stop at every instruction inside, other threads held and {@code rseq_cs} cleared. */
    INSIDE,
    /** Redirect to the abort handler so the program's own slow path (cpu_opv) runs. */
    OPV,
    /** Plain single-stepping: the baseline that shows the abort loop. */
    NONE;

    public static StepPolicy parse(String word) {
        for (StepPolicy p : values()) {
            if (p.word().equals(word)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown policy '" + word + "' (one of: "
                + Arrays.stream(values()).map(StepPolicy::word).collect(Collectors.joining(", ")) + ")");
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
