package io.rseqdbg.cli;

import io.rseqdbg.ptrace.AllowedCpus;
import io.rseqdbg.stepper.StepPolicy;
import io.rseqdbg.stepper.StepRun;
import io.rseqdbg.stepper.replay.Divergence;
import io.rseqdbg.stepper.replay.RecordedModules;
import io.rseqdbg.stepper.replay.Replayer;
import io.rseqdbg.stepper.replay.TraceException;
import io.rseqdbg.stepper.replay.TraceReader;
import io.rseqdbg.stepper.replay.TraceRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code rseqdbg replay TRACE}: runs the recorded command line (or the one after {@code --}) under
 * the recorded schedule and compares event by event: exit 0 when it matched, 1 at the first
 * divergence, 2 for an unreadable trace.
 */
final class ReplayCommand implements Command {

    @Override
    public String name() {
        return "replay";
    }

    @Override
    public String summary() {
        return "re-run a recorded program on its recorded schedule and report the first divergence";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        List<String> words = Arrays.asList(args);
        int dashes = words.indexOf("--");
        List<String> own = dashes < 0 ? words : words.subList(0, dashes);
        List<String> program = dashes < 0 ? List.of() : words.subList(dashes + 1, words.size());
        boolean json = own.contains("--json");
        boolean force = own.contains("--force");
        List<String> files = own.stream().filter(w -> !w.equals("--json") && !w.equals("--force")).toList();
        if (files.size() != 1 || files.get(0).startsWith("-")) {
            throw new UsageException("usage: rseqdbg replay TRACE [--json] [--force] [-- PROGRAM ARGS...]");
        }
        String file = files.get(0);
        Replayer replayer;
        TraceRecord.Header header;
        TraceReader reader;
        try {
            reader = new TraceReader(Path.of(file));
            header = reader.header();
            replayer = new Replayer(reader).force(force);
            Optional<String> changed = RecordedModules.of(Path.of(file)).firstChanged();
            if (changed.isPresent() && !force) {
                err.println("rseqdbg replay: " + changed.get() + "; replay it anyway with --force");
                return Main.EXIT_USAGE;
            }
        } catch (NoSuchFileException e) {
            err.println("rseqdbg replay: no such file " + file);
            return Main.EXIT_USAGE;
        } catch (IOException e) {
            err.println("rseqdbg replay: cannot read " + file + ": " + e.getMessage());
            return Main.EXIT_USAGE;
        } catch (TraceException e) {
            err.println("rseqdbg replay: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        AllowedCpus allowed = AllowedCpus.ofThisProcess();
        if (!allowed.contains(header.cpu())) {
            err.println("rseqdbg replay: the trace was recorded on CPU " + header.cpu()
                    + ", which this process may not use (its CPUs: " + allowed + ")");
            return Main.EXIT_USAGE;
        }
        List<String> command = program.isEmpty() ? header.command() : program;
        // The recorded directory for the recorded command line; a command given here is the
        // user's, relative to where they are. The recorded environment either way.
        Path directory = program.isEmpty() ? Path.of(header.workingDirectory()) : null;
        if (directory != null && !Files.isDirectory(directory)) {
            err.println("rseqdbg replay: the recorded working directory " + directory
                    + " does not exist here (give the command line after --)");
            return Main.EXIT_USAGE;
        }
        Map<String, String> environment = header.hasEnvironment() ? environment(header.environment()) : null;
        StepPolicy policy = StepPolicy.parse(header.policy());
        try (reader) {
            StepRun run = StepRun.launchRepeatable(command, environment, directory).policy(policy)
                    .bind(header.cpu());
            replayer.attachTo(run);
            run.run();
            replayer.finish();
        } catch (Exception e) {
            Divergence d = divergence(e);
            if (d != null) {
                report(d, json, out, err);
                return 1;
            }
            TraceException t = traceProblem(e);
            if (t != null) {
                err.println("rseqdbg replay: " + t.getMessage());
                return Main.EXIT_USAGE;
            }
            return CommandLines.failed(err, "rseqdbg replay", e);
        }
        if (json) {
            out.println(new JsonWriter().beginObject().field("matched", true).field("events", replayer.events())
                    .field("committed", replayer.commits()).field("aborted", replayer.aborts())
                    .field("signals", replayer.signals()).field("syscalls", replayer.syscalls())
                    .field("answered", replayer.answered()).name("divergence").value((String) null).endObject());
        } else {
            out.printf("replay matched: %d events, %d commits, %d aborts, %d signals, %d syscalls (%d answered"
                            + " from the trace)%n", replayer.events(), replayer.commits(), replayer.aborts(),
                    replayer.signals(), replayer.syscalls(), replayer.answered());
        }
        return 0;
    }

    /** {@code NAME=VALUE} words as a map (a word without '=' is a name with an empty value). */
    private static Map<String, String> environment(List<String> words) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String w : words) {
            int eq = w.indexOf('=');
            env.put(eq < 0 ? w : w.substring(0, eq), eq < 0 ? "" : w.substring(eq + 1));
        }
        return env;
    }

    private static void report(Divergence d, boolean json, PrintStream out, PrintStream err) {
        if (json) {
            JsonWriter j = new JsonWriter().beginObject().field("matched", false).name("divergence").beginObject()
                    .field("thread", d.thread()).field("count", d.count()).field("pc", d.pc())
                    .field("expected", d.expected()).field("actual", d.actual()).name("previous").beginArray();
            d.previous().forEach(j::value);
            out.println(j.endArray().endObject().endObject());
            return;
        }
        out.println("replay diverged: thread " + d.thread() + ", instruction " + d.count() + ", pc " + d.pc());
        out.println("  expected: " + d.expected());
        out.println("  actual:   " + d.actual());
        if (!d.previous().isEmpty()) {
            out.println("  thread " + d.thread() + "'s previous events:");
            d.previous().forEach(p -> out.println("    " + p));
        }
    }

    private static Divergence divergence(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof Divergence d) {
                return d;
            }
        }
        return null;
    }

    private static TraceException traceProblem(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof TraceException t) {
                return t;
            }
        }
        return null;
    }
}
