package io.rseqdbg.stepper;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Totals of a step run, built from its events: what {@code rseqdbg step} prints at the end. */
public final class Summary implements StepListener {

    /** Outcomes of one critical section, named {@code symbol+offset}. */
    public static final class SectionTotals {
        private final Map<Outcome, Long> outcomes = new EnumMap<>(Outcome.class);
        private long stops;

        public long count(Outcome outcome) {
            return outcomes.getOrDefault(outcome, 0L);
        }

        public long met() {
            return outcomes.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Mean ptrace stops spent per pass through the section. */
        public double stopsPerPass() {
            long met = met();
            return met == 0 ? 0 : (double) stops / met;
        }
    }

    private long startNanos = System.nanoTime();
    private final Map<String, SectionTotals> sections = new LinkedHashMap<>();
    private long steps;
    private long aborts;
    private long threads;
    private long signals;
    private long endNanos;
    private Integer exitStatus;
    private String abortLoop;
    private String gaveUp;
    private long steppedOver;
    private long bound;
    private long cpuChangeAborts;
    private final Map<String, Long> undeclaredExits = new TreeMap<>();

    @Override
    public void on(StepEvent event) {
        if (event instanceof StepEvent.Stepped || event instanceof StepEvent.SectionStepped
                || event instanceof StepEvent.SectionEntered) {
            steps++;
        } else if (event instanceof StepEvent.SectionLeft s) {
            SectionTotals t = sections.computeIfAbsent(s.section().name(), k -> new SectionTotals());
            t.outcomes.merge(s.outcome(), 1L, Long::sum);
            t.stops += s.stops();
            if (s.outcome() == Outcome.ABORTED) {
                aborts++;
            }
        } else if (event instanceof StepEvent.AbortLoop a) {
            abortLoop = "critical section " + a.section().name() + " aborted " + a.times()
                    + " times in a row without a commit";
        } else if (event instanceof StepEvent.OpvGaveUp g) {
            steppedOver++;
            gaveUp = "opv: redirecting " + g.section().name() + " made no progress " + g.times()
                    + " times in a row (no commit, no slow path); stepped over it instead, "
                    + steppedOver + (steppedOver == 1 ? " time" : " times") + " in all";
        } else if (event instanceof StepEvent.SectionBound) {
            bound++;
        } else if (event instanceof StepEvent.CpuChangeAbort) {
            cpuChangeAborts++;
        } else if (event instanceof StepEvent.UndeclaredExit u) {
            undeclaredExits.merge(u.section().name() + " at 0x" + Long.toHexString(u.pc()), 1L, Long::sum);
        } else if (event instanceof StepEvent.ThreadStarted) {
            threads++;
        } else if (event instanceof StepEvent.SignalDelivered) {
            signals++;
        } else if (event instanceof StepEvent.ProcessExited p) {
            exitStatus = p.status();
            stopClock();
        }
    }

    public long steps() {
        return steps;
    }

    /** Times the stepping alone: from its first step to its end (exit, detach or interruption). */
    public void startClock() {
        startNanos = System.nanoTime();
        endNanos = 0;
    }

    public void stopClock() {
        if (endNanos == 0) {
            endNanos = System.nanoTime();
        }
    }

    public long aborts() {
        return aborts;
    }

    public long threads() {
        return threads;
    }

    public long signals() {
        return signals;
    }

    public Map<String, SectionTotals> sections() {
        return sections;
    }

    public long sectionsMet() {
        return sections.values().stream().mapToLong(SectionTotals::met).sum();
    }

    public long committed() {
        return sections.values().stream().mapToLong(t -> t.count(Outcome.COMMITTED)).sum();
    }

    /** The program's exit status, or null while it runs (or when rseqdbg detached first). */
    public Integer exitStatus() {
        return exitStatus;
    }

    /** none: the abort-loop diagnosis, or null. */
    public String abortLoop() {
        return abortLoop;
    }

    /** opv: the fall-back-to-skip notice, or null. */
    public String opvGaveUp() {
        return gaveUp;
    }

    /** Sections run with rseq_cs cleared, their thread bound to its CPU meanwhile. */
    public long bound() {
        return bound;
    }

    /** Sections sent to their abort handler because their thread's CPU changed (or binding was refused). */
    /** Each undeclared exit seen, as {@code "section at 0xADDRESS"} (where it left), with how often. */
    public Map<String, Long> undeclaredExits() {
        return Collections.unmodifiableMap(undeclaredExits);
    }

    public long cpuChangeAborts() {
        return cpuChangeAborts;
    }

    public double seconds() {
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        return (end - startNanos) / 1e9;
    }

    public double stepsPerSecond() {
        double s = seconds();
        return s <= 0 ? 0 : steps / s;
    }
}
