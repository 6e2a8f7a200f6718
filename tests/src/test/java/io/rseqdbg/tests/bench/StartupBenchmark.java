package io.rseqdbg.tests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Launcher;
import io.rseqdbg.tests.support.Rseqdbg;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What a short command costs beside the JVM's own start-up (issue 13, start-up): {@code java
 * -version}, {@code rseqdbg table} and {@code check} on the C library through the launcher's exact
 * java command line, and {@code readelf -S}, run interleaved round after round so that the
 * machine's load falls on all of them alike; medians and their ratio to {@code java -version}
 * (goal: table at 2.0 or less). Also, for comparison: the launcher script itself (bash and one
 * readlink on top), the same java command line without the class-data archive, and the plain
 * {@code java -jar} command line the launcher used before.
 *
 * <p>Run with {@code mvn -B -Pbench verify -pl tests -am -Dtest=StartupBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}; about a minute on 2 CPUs.
 */
@Tag("bench")
class StartupBenchmark {

    static final int ROUNDS = Integer.getInteger("rseqdbg.startup.rounds", 40);
    static final double GOAL = 2.0;
    static final String LIBC = "/lib/x86_64-linux-gnu/libc.so.6";

    @Test
    void shortCommandsBesideJavaVersion() throws Exception {
        String libc = Files.exists(Path.of(LIBC)) ? LIBC : Path.of(System.getProperty("java.home"), "lib/server/libjvm.so").toString();
        List<String> table = Launcher.javaCommand("table", libc);
        List<String> check = Launcher.javaCommand("check", libc);
        assertTrue(table.stream().anyMatch(w -> w.startsWith("-XX:SharedArchiveFile=")),
                "the build made no class-data archive: " + table);
        List<String> noArchive = table.stream().filter(w -> !w.startsWith("-XX:SharedArchiveFile=")).toList();

        Map<String, List<String>> commands = new LinkedHashMap<>();
        commands.put("java -version", List.of(table.get(0), "-version"));
        commands.put("rseqdbg table libc.so.6", table);
        commands.put("rseqdbg check libc.so.6", check);
        commands.put("readelf -W -S libc.so.6", List.of("readelf", "-W", "-S", libc));
        commands.put("./rseqdbg table libc.so.6 (script)", List.of("bash", Launcher.script().toString(), "table", libc));
        commands.put("table, same options, no archive", noArchive);
        commands.put("table, plain java -jar (before)", List.of(table.get(0), "-Drseqdbg.home=" + Launcher.home(),
                "-jar", Rseqdbg.jar().toString(), "table", libc));

        Map<String, List<Double>> seconds = new LinkedHashMap<>();
        commands.keySet().forEach(k -> seconds.put(k, new ArrayList<>()));
        for (int round = -1; round < ROUNDS; round++) {  // round -1 warms the page cache, not counted
            for (Map.Entry<String, List<String>> c : commands.entrySet()) {
                double s = time(c.getValue());
                if (round >= 0) {
                    seconds.get(c.getKey()).add(s);
                }
            }
        }

        double base = median(seconds.get("java -version"));
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "%n===== rseqdbg start-up benchmark (%d CPUs, load average %s, %d interleaved rounds) =====%n"
                        + "%-38s %9s %9s %7s%n", Runtime.getRuntime().availableProcessors(), loadAverage(), ROUNDS,
                "command", "median s", "min s", "ratio"));
        for (Map.Entry<String, List<Double>> e : seconds.entrySet()) {
            double median = median(e.getValue());
            out.append(String.format(Locale.ROOT, "%-38s %9.4f %9.4f %7.2f%n", e.getKey(), median,
                    e.getValue().stream().mapToDouble(Double::doubleValue).min().orElse(0), median / base));
        }
        double ratio = median(seconds.get("rseqdbg table libc.so.6")) / base;
        out.append(String.format(Locale.ROOT, "table / java -version = %.2f (goal: %.1f or less)%n", ratio, GOAL));
        out.append("launcher's table command: ").append(String.join(" ", table)).append(System.lineSeparator());
        System.out.print(out);
    }

    /** Wall time of one run, output discarded; the run must succeed. */
    private static double time(List<String> command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        long start = System.nanoTime();
        int exit = builder.start().waitFor();
        double s = (System.nanoTime() - start) / 1e9;
        assertEquals(0, exit, "exit status of " + command);
        return s;
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }
}
