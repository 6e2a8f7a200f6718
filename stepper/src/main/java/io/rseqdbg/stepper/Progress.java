package io.rseqdbg.stepper;

import java.io.PrintStream;

/** The live progress line on a terminal: steps, steps/s, critical sections met, redrawn in place. */
public final class Progress implements StepListener {

    private static final long INTERVAL_NANOS = 250_000_000L;

    private final PrintStream err;
    private final Summary summary;
    private long events;
    private long lastDraw = System.nanoTime();
    private boolean drawn;

    public Progress(PrintStream err, Summary summary) {
        this.err = err;
        this.summary = summary;
    }

    @Override
    public void on(StepEvent event) {
        if ((++events & 1023) != 0) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < INTERVAL_NANOS) {
            return;
        }
        lastDraw = now;
        drawn = true;
        err.printf("\r\033[Krseqdbg: %,d steps  %,.0f steps/s  %,d critical sections met",
                summary.steps(), summary.stepsPerSecond(), summary.sectionsMet());
        err.flush();
    }

    /** Clears the line before the summary is printed. */
    public void finish() {
        if (drawn) {
            err.print("\r\033[K");
            err.flush();
        }
    }
}
