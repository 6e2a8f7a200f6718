package io.rseqdbg.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Map;

/**
 * A Trace Event Format file (the JSON that Perfetto's UI and chrome://tracing open), written event
 * by event: one small {@link JsonWriter} per event, so memory stays bounded whatever the length of
 * the run. {@code ts} and {@code dur} are the format's microseconds; the callers put instruction
 * counts there and say so in the process names and {@code otherData}.
 */
final class ChromeTrace implements AutoCloseable {

    /** The format's reserved colour names ({@code cname}), which chrome://tracing honours. */
    static final String GREEN = "good";
    static final String RED = "bad";
    static final String YELLOW = "yellow";
    static final String OLIVE = "olive";
    static final String GREY = "grey";

    private final Writer out;
    private boolean first = true;

    ChromeTrace(Writer out) {
        this.out = out;
        write("{\"traceEvents\":[\n");
    }

    void processName(int pid, String name, int sortIndex) {
        event(new JsonWriter().beginObject().field("name", "process_name").field("ph", "M").field("pid", pid)
                .name("args").beginObject().field("name", name).endObject().endObject());
        event(new JsonWriter().beginObject().field("name", "process_sort_index").field("ph", "M").field("pid", pid)
                .name("args").beginObject().field("sort_index", sortIndex).endObject().endObject());
    }

    void threadName(int pid, long tid, String name) {
        event(new JsonWriter().beginObject().field("name", "thread_name").field("ph", "M").field("pid", pid)
                .field("tid", tid).name("args").beginObject().field("name", name).endObject().endObject());
        event(new JsonWriter().beginObject().field("name", "thread_sort_index").field("ph", "M").field("pid", pid)
                .field("tid", tid).name("args").beginObject().field("sort_index", tid).endObject().endObject());
    }

    /** A complete event ({@code ph X}): a bar from {@code ts} lasting {@code dur}. */
    void slice(int pid, long tid, String category, String name, long ts, long dur, String colour,
               Map<String, ?> args) {
        JsonWriter j = new JsonWriter().beginObject().field("name", name).field("cat", category).field("ph", "X")
                .field("ts", ts).field("dur", dur).field("pid", pid).field("tid", tid);
        if (colour != null) {
            j.field("cname", colour);
        }
        event(args(j, args).endObject());
    }

    /** An instant event ({@code ph i}) on one thread's track. */
    void instant(int pid, long tid, String category, String name, long ts, Map<String, ?> args) {
        JsonWriter j = new JsonWriter().beginObject().field("name", name).field("cat", category).field("ph", "i")
                .field("s", "t").field("ts", ts).field("pid", pid).field("tid", tid);
        event(args(j, args).endObject());
    }

    /** Ends the event array; {@code otherData} is the format's free-form metadata object. */
    void finish(Map<String, ?> otherData) {
        String other = otherData.isEmpty() ? "{}" : args(new JsonWriter(), otherData).toString();
        write("\n],\"displayTimeUnit\":\"ns\",\"otherData\":" + other + "}\n");
    }

    private static JsonWriter args(JsonWriter j, Map<String, ?> args) {
        if (args == null || args.isEmpty()) {
            return j;
        }
        boolean top = j.toString().isEmpty();
        if (!top) {
            j.name("args");
        }
        j.beginObject();
        args.forEach((k, v) -> {
            if (v instanceof Number n) {
                j.field(k, n.longValue());
            } else if (v instanceof Boolean b) {
                j.field(k, b);
            } else {
                j.field(k, String.valueOf(v));
            }
        });
        return j.endObject();
    }

    private void event(JsonWriter j) {
        write(first ? j.toString() : ",\n" + j);
        first = false;
    }

    private void write(String text) {
        try {
            out.write(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
