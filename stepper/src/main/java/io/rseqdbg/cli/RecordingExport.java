package io.rseqdbg.cli;

import static io.rseqdbg.cli.ChromeTimeline.args;

import io.rseqdbg.stepper.replay.TraceReader;
import io.rseqdbg.stepper.replay.TraceRecord;
import io.rseqdbg.stepper.replay.TraceText;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code record} trace as a Chrome/Perfetto timeline: one track per logical thread on its own
 * instruction clock, and a scheduler track where the recorded slices lie end to end on the
 * run's clock (one thread runs at a time, so that clock is the instructions of all threads).
 */
final class RecordingExport {

    static final int SCHEDULER_PID = 2;
    private static final long SCHEDULER_TID = 1;

    private RecordingExport() {
    }

    /** Reads the trace to its end record (a damaged one throws its one-line TraceException). */
    static Map<String, Object> export(TraceReader reader, ChromeTrace trace) {
        TraceRecord.Header h = reader.header();
        ChromeTimeline threads = new ChromeTimeline(trace, "rseqdbg record: " + String.join(" ", h.command())
                + " (time: 1 us = 1 instruction of that thread)", "thread", 1);
        trace.processName(SCHEDULER_PID, "scheduler (time: 1 us = 1 instruction of the whole run)", 1);
        trace.threadName(SCHEDULER_PID, SCHEDULER_TID, "slices, end to end");
        TraceText text = new TraceText();
        long clock = 0; // the run's instructions so far: the slices' sum
        long slices = 0;
        Map<Integer, Long> ranSoFar = new java.util.HashMap<>();
        for (TraceRecord r; (r = reader.next()) != null; ) {
            if (r instanceof TraceRecord.Module m) {
                text.module(m);
            } else if (r instanceof TraceRecord.Enter e) {
                threads.enter(e.thread(), e.count(), text.name(e.module(), e.offset()), args("cpu", e.cpu()));
            } else if (r instanceof TraceRecord.Leave l) {
                threads.leave(l.thread(), l.count(), l.outcome().word(), text.name(l.module(), l.offset()),
                        args("at", text.name(l.module(), l.pcOffset())));
            } else if (r instanceof TraceRecord.Slice s) {
                trace.slice(SCHEDULER_PID, SCHEDULER_TID, "schedule", "thread " + s.thread(), clock,
                        Math.max(1, s.instructions()), s.blocked() ? ChromeTrace.YELLOW : null,
                        args("instructions", s.instructions(), "blocked", s.blocked(), "exited", s.exited(),
                                "next", s.next()));
                // A slice's instructions are its thread's own (its count at the switch is their sum).
                long ran = ranSoFar.merge(s.thread(), s.instructions(), Long::sum);
                threads.instant(s.thread(), ran, (s.exited() ? "exited, " : "") + "switch to thread " + s.next()
                        + (s.blocked() ? " (blocked)" : ""), args("sliceInstructions", s.instructions()));
                clock += s.instructions();
                slices++;
            } else if (r instanceof TraceRecord.Exit x) {
                trace.instant(SCHEDULER_PID, SCHEDULER_TID, "event", "exit status=" + x.status(),
                        Math.max(clock, threads.latest()), args("status", x.status(), "signal", x.signal()));
            } else {
                // thread starts and exits, signals, and records this exporter does not know by type
                // (syscalls in a later format): an instant in the words of trace show
                String[] f = text.line(r).split("\t", 3);
                if (f.length == 3 && f[0].matches("\\d+") && f[1].matches("\\d+")) {
                    threads.instant(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2], Map.of());
                }
            }
        }
        threads.finish();
        Map<String, Object> other = new LinkedHashMap<>();
        other.put("source", "rseqdbg record trace, format " + h.formatVersion());
        other.put("timeUnit", "1 us on a thread's track = 1 instruction of that thread (its own count);"
                + " on the scheduler track = 1 instruction of the run");
        other.put("command", String.join(" ", h.command()));
        other.put("policy", h.policy());
        other.put("cpu", h.cpu());
        other.put("kernelRelease", h.kernelRelease());
        other.put("recordedBy", "rseqdbg " + h.rseqdbgVersion());
        other.put("threads", threads.threads());
        other.put("slices", slices);
        return other;
    }
}
