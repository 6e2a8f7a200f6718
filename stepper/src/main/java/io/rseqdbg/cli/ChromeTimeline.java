package io.rseqdbg.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The program's threads as tracks of a {@link ChromeTrace}, one per thread, time = the thread's
 * own instruction count. A section pass becomes one complete slice, written when the thread
 * leaves the section; the instants met meanwhile wait for it, so every track's events are in
 * time order in the file. Memory: one open pass and its instants per thread.
 */
final class ChromeTimeline {

    static final int PROGRAM_PID = 1;

    private final ChromeTrace trace;
    private final String threadWord;
    private final long tidOffset;
    private final Map<Long, Track> tracks = new LinkedHashMap<>();

    /**
     * @param threadWord how threads are named on their tracks ("thread" for logical ids, "tid")
     * @param tidOffset added to a thread's number for its track's tid: 1 for logical ids, as tid 0
     *     means "no thread" to some viewers; 0 for real tids
     */
    ChromeTimeline(ChromeTrace trace, String processName, String threadWord, long tidOffset) {
        this.trace = trace;
        this.threadWord = threadWord;
        this.tidOffset = tidOffset;
        trace.processName(PROGRAM_PID, processName, 0);
    }

    private static final class Track {
        long last;
        String openName;
        long openAt;
        Map<String, Object> openArgs;
        final List<Object[]> pending = new ArrayList<>(); // {name, ts, args} met inside the open pass
    }

    private Track track(long thread) {
        return tracks.computeIfAbsent(thread, t -> {
            trace.threadName(PROGRAM_PID, tid(t), threadWord + " " + t);
            return new Track();
        });
    }

    long tid(long thread) {
        return thread + tidOffset;
    }

    /** How many threads have a track. */
    int threads() {
        return tracks.size();
    }

    /** The latest instruction count seen on any thread (where process-wide events go). */
    long latest() {
        return tracks.values().stream().mapToLong(t -> t.last).max().orElse(0);
    }

    void enter(long thread, long count, String section, Map<String, Object> args) {
        Track t = track(thread);
        if (t.openName != null) {
            close(thread, t, count, "unfinished", ChromeTrace.GREY); // a leave we never saw
        }
        t.openName = section;
        t.openAt = count;
        t.openArgs = args;
        t.last = Math.max(t.last, count);
    }

    /** @param outcome committed, aborted, exited or redirected */
    void leave(long thread, long count, String outcome, String section, Map<String, Object> args) {
        Track t = track(thread);
        if (t.openName == null || !t.openName.equals(section)) {
            if (t.openName != null) {
                close(thread, t, count, "unfinished", ChromeTrace.GREY);
            }
            instant(thread, count, outcome + " " + section, args); // left without an entry we saw
            return;
        }
        t.openArgs.putAll(args);
        close(thread, t, count, outcome, colour(outcome));
    }

    void instant(long thread, long count, String name, Map<String, Object> args) {
        Track t = track(thread);
        if (t.openName != null) {
            t.pending.add(new Object[] {name, Math.max(count, t.openAt), args});
            return;
        }
        long ts = Math.max(count, t.last);
        trace.instant(PROGRAM_PID, tid(thread), "event", name, ts, args);
        t.last = ts;
    }

    /** Passes still open at the end of the run (the program ended inside a section) are drawn grey. */
    void finish() {
        tracks.forEach((thread, t) -> {
            if (t.openName != null) {
                close(thread, t, t.last, "unfinished", ChromeTrace.GREY);
            }
        });
    }

    private void close(long thread, Track t, long count, String outcome, String colour) {
        // At least one unit: a section run through under skip enters and leaves at one count.
        long dur = Math.max(1, count - t.openAt);
        Map<String, Object> args = new LinkedHashMap<>(t.openArgs);
        args.put("outcome", outcome);
        args.put("instructions", count - t.openAt);
        trace.slice(PROGRAM_PID, tid(thread), "section", t.openName, t.openAt, dur, colour, args);
        t.last = Math.max(t.last, t.openAt);
        t.openName = null;
        for (Object[] p : t.pending) {
            @SuppressWarnings("unchecked")
            Map<String, Object> a = (Map<String, Object>) p[2];
            trace.instant(PROGRAM_PID, tid(thread), "event", (String) p[0], (long) p[1], a);
            t.last = Math.max(t.last, (long) p[1]);
        }
        t.pending.clear();
        t.last = Math.max(t.last, count);
    }

    static String colour(String outcome) {
        return switch (outcome) {
            case "committed" -> ChromeTrace.GREEN;
            case "aborted" -> ChromeTrace.RED;
            case "exited" -> ChromeTrace.YELLOW;
            case "redirected" -> ChromeTrace.OLIVE;
            default -> ChromeTrace.GREY;
        };
    }

    static Map<String, Object> args(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }
}
