package io.rseqdbg.cli;

import static io.rseqdbg.cli.ChromeTimeline.args;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A {@code step --trace} file ({@code tid pc name event}, one line per stop) as a Chrome/Perfetto
 * timeline: one track per tid, time = the thread's stops counted as the lines come (a step, a
 * section entry, a step inside). Threads ran in parallel, so there is no schedule to show.
 */
final class StepTraceExport {

    private static final Set<String> OUTCOMES = Set.of("committed", "aborted", "exited", "redirected");

    private StepTraceExport() {
    }

    /** @throws UsageException at the first line that is not a {@code step --trace} line */
    static Map<String, Object> export(BufferedReader in, String name, ChromeTrace trace) throws IOException {
        ChromeTimeline threads = new ChromeTimeline(trace, "rseqdbg step --trace " + name
                + " (time: 1 us = 1 stop of that thread)", "tid", 0);
        Map<Long, Long> counts = new HashMap<>();
        long lineNumber = 0;
        for (String line; (line = in.readLine()) != null; ) {
            lineNumber++;
            String[] f = line.split("\t", 4);
            if (f.length != 4 || !f[0].matches("\\d{1,10}") || f[3].isEmpty()) {
                throw new UsageException(name + ": line " + lineNumber + " is not a step --trace line"
                        + " (tid, pc, name, event) nor is the file an rseqdbg record trace");
            }
            long tid = Long.parseLong(f[0]);
            String[] event = f[3].split(" ");
            String word = event[0];
            long count = counts.getOrDefault(tid, 0L);
            if (word.equals("step") || word.equals("enter") || word.equals("inside")) {
                counts.put(tid, ++count);
            }
            if (word.equals("enter") && event.length > 1) {
                threads.enter(tid, count, event[1], args("pc", f[1], "at", f[2]));
            } else if (OUTCOMES.contains(word) && event.length > 1) {
                threads.leave(tid, count, word, event[1], args("at", f[2], "stops", value(event, "stops=")));
            } else if (!word.equals("step") && !word.equals("inside")) {
                threads.instant(tid, count, f[3], f[2].equals("-") ? Map.of() : args("at", f[2]));
            }
        }
        if (lineNumber == 0) {
            throw new UsageException(name + ": empty file, neither an rseqdbg record trace nor a step --trace file");
        }
        threads.finish();
        Map<String, Object> other = new LinkedHashMap<>();
        other.put("source", "rseqdbg step --trace " + name);
        other.put("timeUnit", "1 us on a thread's track = 1 stop of that thread (a step, a section entry, a step"
                + " inside), counted from the first line");
        other.put("threads", threads.threads());
        return other;
    }

    private static String value(String[] words, String prefix) {
        for (String w : words) {
            if (w.startsWith(prefix)) {
                return w.substring(prefix.length());
            }
        }
        return "";
    }
}
