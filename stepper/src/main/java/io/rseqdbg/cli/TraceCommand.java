package io.rseqdbg.cli;

import io.rseqdbg.stepper.replay.TraceException;
import io.rseqdbg.stepper.replay.TraceReader;
import io.rseqdbg.stepper.replay.TraceRecord;
import io.rseqdbg.stepper.replay.TraceText;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** {@code rseqdbg trace show TRACE}: the header, the schedule summary and the events of a trace. */
final class TraceCommand implements Command {

    @Override
    public String name() {
        return "trace";
    }

    @Override
    public String summary() {
        return "show a trace written by record, or export it for Perfetto (trace show|export --chrome)";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("export")) {
            return TraceExport.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        if (args.length == 0 || !args[0].equals("show")) {
            throw new UsageException("usage: rseqdbg trace show TRACE [--json] | " + TraceExport.SYNTAX);
        }
        boolean json = false;
        String file = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--json")) {
                json = true;
            } else if (file == null && !args[i].startsWith("-")) {
                file = args[i];
            } else {
                throw new UsageException("unexpected '" + args[i] + "' (usage: rseqdbg trace show TRACE [--json])");
            }
        }
        if (file == null) {
            throw new UsageException("usage: rseqdbg trace show TRACE [--json]");
        }
        // Read everything first: a damaged file gives one line and nothing half-printed.
        StringBuilder text = new StringBuilder();
        JsonWriter events = new JsonWriter().beginArray();
        Map<Integer, long[]> slices = new TreeMap<>(); // thread -> {slices, instructions}
        TraceRecord.Header h;
        try (TraceReader reader = new TraceReader(Path.of(file))) {
            h = reader.header();
            TraceText words = new TraceText();
            for (TraceRecord r; (r = reader.next()) != null; ) {
                if (r instanceof TraceRecord.Slice s) {
                    long[] t = slices.computeIfAbsent(s.thread(), k -> new long[2]);
                    t[0]++;
                    t[1] += s.instructions();
                }
                String line = words.line(r);
                text.append(line).append('\n');
                String[] f = line.split("\t", 3);
                events.beginObject().field("thread", f[0]).field("count", f[1]).field("event", f[2]).endObject();
            }
        } catch (NoSuchFileException e) {
            err.println("rseqdbg trace: no such file " + file);
            return Main.EXIT_USAGE;
        } catch (IOException e) {
            err.println("rseqdbg trace: cannot read " + file + ": " + e.getMessage());
            return Main.EXIT_USAGE;
        } catch (TraceException e) {
            err.println("rseqdbg trace: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        if (json) {
            JsonWriter j = new JsonWriter().beginObject().name("header").beginObject()
                    .field("formatVersion", h.formatVersion()).field("rseqdbgVersion", h.rseqdbgVersion())
                    .field("command", String.join(" ", h.command())).field("workingDirectory", h.workingDirectory())
                    .field("kernelRelease", h.kernelRelease()).field("cpuCount", h.cpuCount()).field("cpu", h.cpu())
                    .field("policy", h.policy()).field("sliceLength", h.sliceLength())
                    .field("blockTimeoutMillis", h.blockTimeoutMillis()).field("chaos", h.chaos())
                    .field("chaosSeed", h.chaosSeed()).name("environment").beginArray();
            h.environment().forEach(j::value);
            j.endArray().endObject();
            j.name("schedule").beginArray();
            slices.forEach((t, v) -> j.beginObject().field("thread", t).field("slices", v[0])
                    .field("instructions", v[1]).endObject());
            j.endArray();
            out.println(j + ",\"events\":" + events.endArray() + "}");
            return 0;
        }
        out.println("trace format " + h.formatVersion() + ", recorded by rseqdbg " + h.rseqdbgVersion());
        out.println("command: " + String.join(" ", h.command()));
        out.println("working directory: " + h.workingDirectory());
        out.println("kernel " + h.kernelRelease() + ", " + h.cpuCount() + " CPUs, run on CPU " + h.cpu()
                + ", policy " + h.policy() + ", slice " + h.sliceLength() + " instructions, block timeout "
                + h.blockTimeoutMillis() + " ms" + (h.chaos() ? ", chaos seed " + h.chaosSeed() : ""));
        out.println(h.hasEnvironment() ? "environment: " + h.environment().size() + " variables"
                : "environment: not recorded (format version 1)");
        out.println("schedule:");
        slices.forEach((t, v) -> out.println("  thread " + t + ": " + v[0] + " slices, " + v[1] + " instructions"));
        out.println("events (thread, instruction count, event):");
        out.print(text);
        return 0;
    }
}
