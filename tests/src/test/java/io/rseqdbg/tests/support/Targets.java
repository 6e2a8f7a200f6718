package io.rseqdbg.tests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the C test targets (tests/src/main/c/TARGETS.md) and other commands as real processes,
 * with a timeout and captured output. The targets live in the folder named by system property
 * {@code rseqdbg.native}.
 *
 * <pre>
 * Run run = Targets.target("counter").args("4", "250000").env("RSEQDBG_FORCE_CPU_OPV", "1").run();
 * run.requireExit(0);
 * long fallbacks = run.number("fallback");
 * </pre>
 */
public final class Targets {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private Targets() {
    }

    /** The folder holding the built targets. */
    public static Path dir() {
        String dir = System.getProperty("rseqdbg.native");
        if (dir == null || dir.isBlank()) {
            throw new IllegalStateException("system property rseqdbg.native is not set"
                    + " (run the tests through Maven, which builds the targets)");
        }
        return Path.of(dir);
    }

    /** The executable (or file) {@code name} in {@link #dir()}, e.g. "counter" or "bad/version1". */
    public static Path path(String name) {
        Path path = dir().resolve(name);
        if (!Files.exists(path)) {
            throw new IllegalStateException("no target " + name + " in " + dir());
        }
        return path;
    }

    private static Boolean runs32Bit;

    /**
     * Whether this kernel runs i386 programs: a kernel built with IA32 emulation can still have it
     * off (boot option {@code ia32_emulation=false}), and then every exec of one fails with ENOEXEC.
     */
    public static synchronized boolean runs32Bit() {
        if (runs32Bit == null) {
            try {
                Process p = new ProcessBuilder(path("counter-i386").toString(), "1", "1")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                runs32Bit = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                runs32Bit = false; // "Exec format error"
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        return runs32Bit;
    }

    /** Skips the calling test when {@code target} is an i386 program and this kernel runs none. */
    public static void assumeRunnable(String target) {
        if (target.endsWith("-i386")) {
            Assumptions.assumeTrue(runs32Bit(), "this kernel runs no 32-bit programs (IA32 emulation is off)");
        }
    }

    /** A launch of the target {@code name}. */
    public static Launch target(String name) {
        return new Launch(path(name).toString());
    }

    /** A launch of any command, e.g. {@code java -jar rseqdbg.jar ...}. */
    public static Launch command(String program, String... args) {
        return new Launch(program).args(args);
    }

    /** What to run; {@link #run()} starts it and waits. */
    public static final class Launch {
        private final List<String> command = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private Duration timeout = DEFAULT_TIMEOUT;

        private Launch(String program) {
            command.add(program);
        }

        public Launch args(String... args) {
            command.addAll(Arrays.asList(args));
            return this;
        }

        /** Adds or replaces one environment variable (the rest is inherited). */
        public Launch env(String name, String value) {
            env.put(name, value);
            return this;
        }

        public Launch timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Runs to the end, or kills the process (and its children) after the timeout. */
        public Run run() {
            try {
                Path out = Files.createTempFile("rseqdbg-out", ".txt");
                Path err = Files.createTempFile("rseqdbg-err", ".txt");
                try {
                    ProcessBuilder builder = new ProcessBuilder(command)
                            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                            .redirectOutput(out.toFile())
                            .redirectError(err.toFile());
                    builder.environment().putAll(env);
                    Process process = builder.start();
                    boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    if (!finished) {
                        process.descendants().forEach(ProcessHandle::destroyForcibly);
                        process.destroyForcibly();
                        process.waitFor();
                    }
                    return new Run(List.copyOf(command), Map.copyOf(env),
                            finished ? process.exitValue() : -1, !finished,
                            Files.readString(out, StandardCharsets.UTF_8),
                            Files.readString(err, StandardCharsets.UTF_8));
                } finally {
                    Files.deleteIfExists(out);
                    Files.deleteIfExists(err);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot run " + command, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running " + command, e);
            }
        }
    }

    /** A finished (or killed) run. {@code exitCode} is -1 when it timed out. */
    public record Run(List<String> command, Map<String, String> env, int exitCode,
                      boolean timedOut, String stdout, String stderr) {

        /** The last non-empty line of stdout, or "" when there is none. */
        public String lastLine() {
            List<String> lines = stdout.lines().filter(l -> !l.isBlank()).toList();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        }

        /** The key=value pairs of the final "ok ..." line (empty when it is not an ok line). */
        public Map<String, String> report() {
            String[] words = lastLine().trim().split("\\s+");
            Map<String, String> report = new LinkedHashMap<>();
            if (words.length == 0 || !words[0].equals("ok")) {
                return report;
            }
            for (int i = 1; i < words.length; i++) {
                int eq = words[i].indexOf('=');
                if (eq > 0) {
                    report.put(words[i].substring(0, eq), words[i].substring(eq + 1));
                }
            }
            return report;
        }

        /** A numeric value of the final report line; fails the test when it is missing. */
        public long number(String key) {
            String value = report().get(key);
            if (value == null) {
                throw new AssertionError("no " + key + "= in the report line of " + describe());
            }
            return Long.parseLong(value);
        }

        /** Fails the test, showing everything, unless the process exited with {@code code}. */
        public Run requireExit(int code) {
            if (timedOut || exitCode != code) {
                throw new AssertionError("expected exit " + code + " from " + describe());
            }
            return this;
        }

        /**
         * Fails the test unless rseqdbg refused as its conventions say: exit 2, one line on stderr
         * that mentions {@code mentioned}, no stack trace.
         */
        public Run requireOneLineError(String mentioned) {
            requireExit(2);
            List<String> lines = stderr.lines().filter(l -> !l.isBlank()).toList();
            if (lines.size() != 1 || !lines.get(0).contains(mentioned) || stderr.contains("Exception")) {
                throw new AssertionError("expected one line mentioning '" + mentioned + "' from " + describe());
            }
            return this;
        }

        /** Command, environment, outcome and output, for assertion messages. */
        public String describe() {
            return String.join(" ", command) + (env.isEmpty() ? "" : " with " + env)
                    + (timedOut ? " (timed out, killed)" : " (exit " + exitCode + ")")
                    + "\n--- stdout:\n" + tail(stdout) + "--- stderr:\n" + tail(stderr);
        }

        private static String tail(String text) {
            return text.length() <= 4000 ? text : "..." + text.substring(text.length() - 4000);
        }
    }
}
