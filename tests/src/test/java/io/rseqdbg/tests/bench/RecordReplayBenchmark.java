package io.rseqdbg.tests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What recording and replaying cost beside stepping (issue 11, "Tests and benchmark"): the same
 * program run by {@code rseqdbg step}, {@code record} and {@code replay}, interleaved round by
 * round so that a change in the machine's load hits all three alike; the medians' ratios against
 * the goals (record within 1.2x of step, replay within 1.5x), and the trace's size per million
 * instructions and per critical section passed.
 *
 * <p>Times are wall-clock for the whole command, JVM start included, as a user waits for it; the
 * stepped time from {@code --json} ({@code seconds}) is printed beside it for step and record.
 * Run with {@code mvn -B -Pbench verify -pl tests -am -Dtest=RecordReplayBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("bench")
class RecordReplayBenchmark {

    static final int ROUNDS = 3;
    static final double RECORD_GOAL = 1.2;
    static final double REPLAY_GOAL = 1.5;
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    /** A target and its arguments. */
    private record Case(String target, List<String> args) {
        String label() {
            return target + " " + String.join(" ", args);
        }

        String[] command(String... before) {
            List<String> words = new ArrayList<>(List.of(before));
            words.add(Targets.path(target).toString());
            words.addAll(args);
            return words.toArray(String[]::new);
        }
    }

    private record Timed(Run run, double wallSeconds) {
    }

    private static Timed timed(String... args) {
        long start = System.nanoTime();
        Run run = Rseqdbg.launch(args).timeout(TIMEOUT).run();
        return new Timed(run, (System.nanoTime() - start) / 1e9);
    }

    @Test
    void recordAndReplayBesideStepOnTheSameProgram() throws Exception {
        List<Case> cases = List.of(
                new Case("counter", List.of("1", "400")),
                new Case("counter", List.of("2", "200")),
                new Case("list", List.of("1", "200")));
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%n===== rseqdbg record/replay benchmark (%d CPUs, load average %s),"
                + " median of %d interleaved rounds =====", Runtime.getRuntime().availableProcessors(), loadAverage(),
                ROUNDS));
        lines.add(String.format(Locale.ROOT, "%-18s %11s %9s %9s %11s %11s %8s %8s %11s %10s %9s", "program",
                "instructions", "step s", "record s", "replay s", "rec/step", "rep/step", "stepped", "trace bytes",
                "B/M instr", "B/section"));
        List<Runnable> checks = new ArrayList<>();
        double worstRecord = 0;
        double worstReplay = 0;
        Path dir = Files.createTempDirectory("rseqdbg-bench-replay");
        for (Case c : cases) {
            List<Double> step = new ArrayList<>();
            List<Double> record = new ArrayList<>();
            List<Double> replay = new ArrayList<>();
            List<Double> steppedStep = new ArrayList<>();
            List<Double> steppedRecord = new ArrayList<>();
            StepSummary recorded = null;
            long bytes = 0;
            for (int round = 0; round < ROUNDS; round++) {
                Timed s = timed(c.command("step", "--json", "--"));
                Path trace = dir.resolve(c.label().replace(' ', '-') + "-" + round + ".trace");
                Files.deleteIfExists(trace);
                Timed r = timed(c.command("record", "--json", "-o", trace.toString(), "--"));
                Timed p = timed("replay", trace.toString());
                checks.add(() -> {
                    assertEquals(0, s.run().exitCode(), s.run().describe());
                    assertEquals(0, r.run().exitCode(), r.run().describe());
                    assertEquals(0, p.run().exitCode(), p.run().describe());
                    assertTrue(p.run().stdout().contains("replay matched: "), p.run().describe());
                });
                step.add(s.wallSeconds());
                record.add(r.wallSeconds());
                replay.add(p.wallSeconds());
                steppedStep.add(StepSummary.parse(s.run().lastLine()).seconds());
                recorded = StepSummary.parse(r.run().lastLine());
                steppedRecord.add(recorded.seconds());
                bytes = Files.size(trace);
            }
            double recordRatio = median(record) / median(step);
            double replayRatio = median(replay) / median(step);
            worstRecord = Math.max(worstRecord, recordRatio);
            worstReplay = Math.max(worstReplay, replayRatio);
            lines.add(String.format(Locale.ROOT, "%-18s %,11d %9.2f %9.2f %11.2f %11.2f %8.2f %8.2f %,11d %,10.0f %9.1f",
                    c.label(), recorded.steps(), median(step), median(record), median(replay), recordRatio, replayRatio,
                    median(steppedRecord) / median(steppedStep), bytes, bytes * 1e6 / recorded.steps(),
                    (double) bytes / recorded.criticalSectionsMet()));
        }
        lines.add("(s: wall seconds of the whole command; stepped: record's / step's stepping time from --json;"
                + " B/section: trace bytes per critical section passed)");
        lines.add(String.format(Locale.ROOT, "goal: record within %.1fx of step: worst %.2f, %s", RECORD_GOAL, worstRecord,
                worstRecord <= RECORD_GOAL ? "met" : "NOT met"));
        lines.add(String.format(Locale.ROOT, "goal: replay within %.1fx of step: worst %.2f, %s", REPLAY_GOAL, worstReplay,
                worstReplay <= REPLAY_GOAL ? "met" : "NOT met"));
        System.out.println(String.join(System.lineSeparator(), lines));
        checks.forEach(Runnable::run);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }
}
