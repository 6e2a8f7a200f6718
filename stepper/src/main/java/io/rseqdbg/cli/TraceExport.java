package io.rseqdbg.cli;

import io.rseqdbg.stepper.replay.TraceException;
import io.rseqdbg.stepper.replay.TraceFormat;
import io.rseqdbg.stepper.replay.TraceReader;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * {@code rseqdbg trace export --chrome [--force] TRACE OUT.json}: a {@code record} trace or a
 * {@code step --trace} file as a Trace Event Format timeline, written as it is read.
 */
final class TraceExport {

    static final String SYNTAX = "rseqdbg trace export --chrome [--force] TRACE OUT.json";

    private TraceExport() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        boolean chrome = false;
        boolean force = false;
        String from = null;
        String to = null;
        for (String a : args) {
            if (a.equals("--chrome")) {
                chrome = true;
            } else if (a.equals("--force")) {
                force = true;
            } else if (a.equals("-h") || a.equals("--help")) {
                out.println("usage: " + SYNTAX);
                out.println("  --chrome  the Trace Event Format JSON that Perfetto's UI and chrome://tracing open");
                out.println("  --force   replace OUT.json if it exists (a symbolic link is never followed)");
                return 0;
            } else if (a.startsWith("-") || a.isEmpty() || (from != null && to != null)) {
                throw new UsageException("unexpected '" + a + "' (usage: " + SYNTAX + ")");
            } else if (from == null) {
                from = a;
            } else {
                to = a;
            }
        }
        if (!chrome || to == null) {
            throw new UsageException("usage: " + SYNTAX);
        }
        Path input = Path.of(from);
        Path output = Path.of(to);
        byte[] magic;
        try (InputStream in = Files.newInputStream(input)) {
            magic = in.readNBytes(TraceFormat.MAGIC.length);
        } catch (NoSuchFileException e) {
            throw new UsageException("no such file " + from);
        } catch (IOException e) {
            throw new UsageException("cannot read " + from + ": " + e.getMessage());
        }
        boolean recording = Arrays.equals(magic, TraceFormat.MAGIC);
        ChromeTrace trace = new ChromeTrace(new BufferedWriter(new OutputStreamWriter(
                OutputFiles.create(output, force, "--force"), StandardCharsets.UTF_8), 1 << 16));
        boolean done = false;
        try (trace) {
            Map<String, Object> other;
            if (recording) {
                try (TraceReader reader = new TraceReader(new BufferedInputStream(Files.newInputStream(input), 1 << 16),
                        from)) {
                    other = RecordingExport.export(reader, trace);
                }
            } else {
                try (BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
                    other = StepTraceExport.export(reader, from, trace);
                }
            }
            trace.finish(other);
            done = true;
        } catch (TraceException e) {
            throw new UsageException(e.getMessage());
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new UsageException(from + ": neither an rseqdbg record trace nor a step --trace file");
        } catch (IOException | UncheckedIOException e) {
            throw new UsageException("cannot export " + from + " to " + to + ": " + e.getMessage());
        } finally {
            if (!done) {
                deleteQuietly(output); // ours, half written: no file that viewers would reject
            }
        }
        err.println("rseqdbg trace: wrote " + to + " (open it in https://ui.perfetto.dev or chrome://tracing)");
        return 0;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the one-line error already says what went wrong
        }
    }
}
