package io.rseqdbg.cli;

import io.rseqdbg.stepper.Outcome;
import io.rseqdbg.stepper.StepPolicy;
import io.rseqdbg.stepper.Stepper;
import io.rseqdbg.stepper.Summary;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** The end-of-run report of {@code rseqdbg step}, as text for people and JSON for tools. */
final class StepReport {

    private StepReport() {
    }

    static void text(StepPolicy policy, Stepper.End end, Summary s, Integer status, int boundCpu, boolean demo,
                     PrintStream err) {
        text(policy, end, s, status, 0, boundCpu, demo, err);
    }

    /** @param killedBy the signal that killed the program under rseqdbg, 0 when none did */
    static void text(StepPolicy policy, Stepper.End end, Summary s, Integer status, int killedBy, int boundCpu,
                     boolean demo, PrintStream err) {
        err.printf(Locale.ROOT, "rseqdbg: policy %s: %,d instructions stepped in %.2f s (%,.0f steps/s), %d thread%s%s%n",
                policy.word(), s.steps(), s.seconds(), s.stepsPerSecond(), s.threads(), s.threads() == 1 ? "" : "s",
                boundCpu >= 0 ? ", all on CPU " + boundCpu + " (--bind)" : "");
        err.printf(Locale.ROOT, "rseqdbg: %,d critical sections met, %,d committed, %,d aborts seen%n",
                s.sectionsMet(), s.committed(), s.aborts());
        for (Map.Entry<String, Summary.SectionTotals> e : s.sections().entrySet()) {
            Summary.SectionTotals t = e.getValue();
            StringBuilder line = new StringBuilder("rseqdbg:   ").append(e.getKey()).append(':');
            for (Outcome o : Outcome.values()) {
                if (t.count(o) > 0) {
                    line.append(String.format(Locale.ROOT, " %,d %s", t.count(o), o.word()));
                }
            }
            line.append(String.format(Locale.ROOT, " (%.1f stops each)", t.stopsPerPass()));
            err.println(line);
        }
        if (s.bound() > 0 || s.cpuChangeAborts() > 0) {
            err.printf(Locale.ROOT, "rseqdbg: %,d critical sections run with rseq_cs cleared, bound to their CPU;"
                    + " %,d sent to their abort handler because their CPU changed%n", s.bound(), s.cpuChangeAborts());
        }
        s.undeclaredExits().forEach((where, times) -> err.printf(Locale.ROOT, "rseqdbg: %s: left %,d times through"
                + " an exit its module's table does not declare; found there after %d ms and stepped on%n",
                where, times, io.rseqdbg.stepper.StepRun.UNDECLARED_EXIT_MILLIS));
        if (s.abortLoop() != null) {
            err.println("rseqdbg: " + s.abortLoop());
        }
        if (s.opvGaveUp() != null) {
            err.println("rseqdbg: " + s.opvGaveUp());
        }
        switch (end) {
            case EXITED -> err.println(killedBy > 0
                    ? "rseqdbg: the program was killed by " + SignalNames.of(killedBy) + " (status " + status + ")"
                    : "rseqdbg: the program exited with status " + status);
            case MAX_STEPS -> err.println("rseqdbg: stopped stepping after " + s.steps()
                    + " steps (--max-steps), detached; " + afterDetach(status));
            case STOP_REQUESTED -> err.println("rseqdbg: interrupted, detached; " + afterDetach(status));
        }
        if (demo) {
            demoStory(policy, s, err);
        }
    }

    private static String afterDetach(Integer status) {
        return status == null ? "the process goes on" : "the program finished with status " + status;
    }

    private static void demoStory(StepPolicy policy, Summary s, PrintStream err) {
        err.println();
        err.println("What happened: a debugger that single-steps (gdb's stepi, or --policy none) stops the");
        err.println("thread inside the critical section; the kernel aborts the section when the thread");
        err.println("resumes, the program retries, and the counter never advances.");
        switch (policy) {
            case SKIP -> err.printf(Locale.ROOT, "rseqdbg (policy skip) ran each critical section to its end as one step"
                    + " instead: %,d committed.%n", s.committed());
            case INSIDE -> err.printf(Locale.ROOT, "rseqdbg (policy inside) stopped at every instruction inside, holding the"
                    + " other threads and clearing rseq_cs, so nothing aborted: %,d committed.%n", s.committed());
            case OPV -> err.println("rseqdbg (policy opv) sent each critical section to its abort handler, whose slow"
                    + " path (cpu_opv) single-steps like ordinary code.");
            case NONE -> err.println("Policy none is that plain single-stepping; try --policy skip, inside or opv.");
        }
    }

    static String json(StepPolicy policy, Stepper.End end, Summary s, Integer status, int boundCpu) {
        JsonWriter json = new JsonWriter().beginObject()
                .field("policy", policy.word())
                .field("end", end.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        if (status == null) {
            json.name("exitStatus").value((String) null);
        } else {
            json.field("exitStatus", status);
        }
        json
                .field("steps", s.steps())
                .field("seconds", s.seconds())
                .field("stepsPerSecond", Math.round(s.stepsPerSecond()))
                .field("threads", s.threads())
                .field("signals", s.signals())
                .field("criticalSectionsMet", s.sectionsMet())
                .field("committed", s.committed())
                .field("aborts", s.aborts())
                .field("bound", s.bound())
                .field("cpuChangeAborts", s.cpuChangeAborts())
                .field("undeclaredExits", s.undeclaredExits().values().stream().mapToLong(Long::longValue).sum());
        if (boundCpu >= 0) {
            json.field("boundToCpu", boundCpu);
        } else {
            json.name("boundToCpu").value((String) null);
        }
        json.name("criticalSections").beginArray();
        for (Map.Entry<String, Summary.SectionTotals> e : s.sections().entrySet()) {
            Summary.SectionTotals t = e.getValue();
            json.beginObject().field("name", e.getKey());
            for (Outcome o : Outcome.values()) {
                json.field(o.word(), t.count(o));
            }
            json.field("stopsPerPass", t.stopsPerPass()).endObject();
        }
        json.endArray();
        if (s.abortLoop() != null) {
            json.field("abortLoop", s.abortLoop());
        }
        if (s.opvGaveUp() != null) {
            json.field("opvGaveUp", s.opvGaveUp());
        }
        return json.endObject().toString();
    }
}
