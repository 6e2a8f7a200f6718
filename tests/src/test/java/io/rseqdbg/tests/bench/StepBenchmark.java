package io.rseqdbg.tests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.elf.RseqTables;
import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What {@code rseqdbg step} costs, printed as one report at the end of the run (issue 5,
 * "Benchmark"): (1) its plain single-step rate beside the C baseline loop and gdb's {@code stepi}
 * on the same loop, (2) ptrace stops per critical section under {@code skip}, short and long
 * sections alike, (3) the demo target stepped end to end under each policy.
 *
 * <p>Run with {@code mvn -B -Pbench verify}; about two and a half minutes on 2 CPUs.
 */
@Tag("bench")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StepBenchmark {

    /** Rounds of the rate comparison; each row's median is compared. */
    static final int ROUNDS = 3;
    static final int CPU = 1 % Runtime.getRuntime().availableProcessors();
    /** rseqdbg's goal, as a share of the best C loop's rate. */
    static final double GOAL = 0.85;
    /** Below this share something is badly wrong, not just a busy machine. */
    static final double FLOOR = 0.5;

    private static final Map<Integer, List<String>> REPORT = new TreeMap<>();

    /** One single-stepper in one placement. */
    enum Way {
        C_FREE("singlestep-c", "free", false),
        C_PINNED("singlestep-c --pin", "tracer moved to the tracee's CPU", false),
        C_ONE_CPU("singlestep-c --cpu " + CPU, "tracer and tracee bound to CPU " + CPU, true),
        GDB_FREE("gdb stepi N", "free", false),
        GDB_ONE_CPU("gdb stepi N", "gdb and tracee bound to CPU " + CPU, true),
        RSEQDBG_FREE("rseqdbg step --jvm-tracer", "free (tracer thread follows the tracee)", false),
        RSEQDBG_ONE_CPU("rseqdbg step --jvm-tracer", "tracee bound to CPU " + CPU + " (tracer follows)", true),
        RSEQDBG_BIND("rseqdbg step --jvm-tracer --bind", "--bind: tracer and tracee on CPU " + CPU, false),
        // The attach default: rseqdbg-tracer makes the ptrace calls, a pipe round trip each.
        TRACER_PROCESS_FREE("rseqdbg step (rseqdbg-tracer)", "free (tracer process follows the tracee)", false),
        TRACER_PROCESS_BIND("rseqdbg step --bind", "--bind: JVM, rseqdbg-tracer, tracee on CPU " + CPU, false);

        final String tool;
        final String placement;
        final boolean boundTarget;

        Way(String tool, String placement, boolean boundTarget) {
            this.tool = tool;
            this.placement = placement;
            this.boundTarget = boundTarget;
        }

        boolean isC() {
            return name().startsWith("C_");
        }

        LoopSteppers.Rate measure(LoopTarget target) throws Exception {
            return switch (this) {
                case C_FREE -> LoopSteppers.cLoop(target);
                case C_PINNED -> LoopSteppers.cLoop(target, "--pin");
                case C_ONE_CPU -> LoopSteppers.cLoop(target, "--cpu", Integer.toString(CPU));
                case GDB_FREE -> LoopSteppers.gdb(target, false);
                case GDB_ONE_CPU -> LoopSteppers.gdb(target, true);
                case RSEQDBG_FREE, RSEQDBG_ONE_CPU -> LoopSteppers.rseqdbg(target, "--jvm-tracer");
                case RSEQDBG_BIND -> LoopSteppers.rseqdbg(target, "--jvm-tracer", "--bind=" + CPU);
                case TRACER_PROCESS_FREE -> LoopSteppers.rseqdbg(target);
                case TRACER_PROCESS_BIND -> LoopSteppers.rseqdbg(target, "--bind=" + CPU);
            };
        }
    }

    @Test
    @Order(1)
    void rseqdbgStepsThePlainLoopNearlyAsFastAsTheBestCLoop() throws Exception {
        Map<Way, List<LoopSteppers.Rate>> rounds = new EnumMap<>(Way.class);
        for (int round = 0; round < ROUNDS; round++) {
            for (boolean bound : new boolean[] {false, true}) {
                try (LoopTarget target = LoopTarget.start(bound ? OptionalInt.of(CPU) : OptionalInt.empty())) {
                    for (Way way : Way.values()) {
                        if (way.boundTarget == bound) {
                            rounds.computeIfAbsent(way, w -> new ArrayList<>()).add(way.measure(target));
                            target.requireRunning();
                        }
                    }
                }
            }
        }
        Map<Way, Double> rate = new EnumMap<>(Way.class);
        Map<Way, Double> cpu = new EnumMap<>(Way.class);
        rounds.forEach((way, list) -> {
            rate.put(way, median(list.stream().map(LoopSteppers.Rate::stepsPerSecond).toList()));
            cpu.put(way, median(list.stream().map(LoopSteppers.Rate::cpuMicrosPerStep).toList()));
        });
        double bestC = rate.entrySet().stream().filter(e -> e.getKey().isC())
                .mapToDouble(Map.Entry::getValue).max().orElseThrow();

        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "1. Single-step rate on plain-loop's counted loop (each tool attaches to the"
                + " running loop; C %,d steps, gdb %,d, rseqdbg %,d minus %,d), median of %d rounds",
                LoopSteppers.C_STEPS, LoopSteppers.GDB_STEPS, LoopSteppers.RSEQDBG_LONG, LoopSteppers.RSEQDBG_SHORT,
                ROUNDS));
        lines.add(String.format(Locale.ROOT, "   %-28s %-42s %9s %8s %13s  %s", "tool", "placement", "steps/s",
                "/ best C", "tracer us/step", "steps/s per round"));
        for (Way way : Way.values()) {
            double us = cpu.get(way);
            lines.add(String.format(Locale.ROOT, "   %-28s %-42s %,9.0f %8.2f %13s  %s", way.tool, way.placement,
                    rate.get(way), rate.get(way) / bestC, Double.isNaN(us) ? "-" : String.format(Locale.ROOT, "%.1f", us),
                    rounds.get(way).stream().map(r -> String.format(Locale.ROOT, "%,.0f", r.stepsPerSecond())).toList()));
        }
        double free = rate.get(Way.RSEQDBG_FREE) / bestC;
        double bound = rate.get(Way.RSEQDBG_ONE_CPU) / bestC;
        lines.add(String.format(Locale.ROOT, "   rseqdbg / C in the same placement: free %.2f (vs --pin), bound %.2f"
                        + " (vs --cpu); gdb / rseqdbg: free %.2f, bound %.2f",
                rate.get(Way.RSEQDBG_FREE) / rate.get(Way.C_PINNED),
                rate.get(Way.RSEQDBG_ONE_CPU) / rate.get(Way.C_ONE_CPU),
                rate.get(Way.GDB_FREE) / rate.get(Way.RSEQDBG_FREE),
                rate.get(Way.GDB_ONE_CPU) / rate.get(Way.RSEQDBG_ONE_CPU)));
        lines.add(String.format(Locale.ROOT, "   goal: rseqdbg --jvm-tracer (free; a launched program is always traced so) >= %.2f x the best C loop: %.2f, %s",
                GOAL, free, free >= GOAL ? "met" : "NOT met"));
        double bind = rate.get(Way.RSEQDBG_BIND) / rate.get(Way.C_ONE_CPU);
        lines.add(String.format(Locale.ROOT, "   goal: rseqdbg step --bind >= %.2f x the C loop on one CPU: %.2f, %s",
                GOAL, bind, bind >= GOAL ? "met" : "NOT met"));
        lines.add(String.format(Locale.ROOT, "   rseqdbg-tracer (an attached program outlives rseqdbg) / --jvm-tracer:"
                + " free %.2f, --bind %.2f", rate.get(Way.TRACER_PROCESS_FREE) / rate.get(Way.RSEQDBG_FREE),
                rate.get(Way.TRACER_PROCESS_BIND) / rate.get(Way.RSEQDBG_BIND)));
        REPORT.put(1, lines);

        assertTrue(Math.max(free, bound) > FLOOR, "rseqdbg steps at " + free + " / " + bound + " of the best C loop");
    }

    /** A program stepped under skip, and the function whose critical section it measures. */
    private record SkipCase(String target, List<String> args, List<String> functions) {
        String label() {
            return target + " " + String.join(" ", args);
        }
    }

    @Test
    @Order(2)
    void skipSpendsAtMostThreeStopsPerCriticalSectionWhateverItsLength() throws Exception {
        List<SkipCase> cases = List.of(
                new SkipCase("counter", List.of("1", "200"), List.of("percpu_counter_add")),
                new SkipCase("list", List.of("1", "200"), List.of("percpu_list_push", "percpu_list_pop")),
                // SPIN_US is calibrated while being stepped, so 1 s becomes tens of thousands of iterations.
                new SkipCase("signal-storm", List.of("1", "40", "0", "3000"), List.of("percpu_counter_add_spin")),
                new SkipCase("signal-storm", List.of("1", "40", "1000000", "3000"), List.of("percpu_counter_add_spin")));
        List<String> lines = new ArrayList<>();
        lines.add("2. ptrace stops per critical section under skip (rseqdbg step --json: criticalSections[].stopsPerPass;"
                + " goal <= 3; \"+signals\" also counts signal-delivery stops inside, from --trace)");
        lines.add(String.format(Locale.ROOT, "   %-34s %-30s %-22s %7s %9s %7s %6s %10s %9s", "program", "critical section",
                "length", "passes", "committed", "aborted", "exited", "stops/pass", "+signals"));
        List<Runnable> checks = new ArrayList<>();
        for (SkipCase c : cases) {
            Path trace = Files.createTempFile("rseqdbg-bench", ".trace");
            try {
                List<String> args = new ArrayList<>(List.of("step", "--json", "--force", "--trace", trace.toString(), "--",
                        Targets.path(c.target()).toString()));
                args.addAll(c.args());
                Run run = Rseqdbg.launch(args.toArray(String[]::new)).timeout(Duration.ofSeconds(120)).run();
                String programLine = run.stdout().lines().filter(l -> l.startsWith("ok ")).findFirst().orElse("");
                StepSummary summary = StepSummary.parse(run.lastLine());
                OptionalLong spin = spinOf(programLine);
                for (String function : c.functions()) {
                    StepSummary.Section s = summary.section(function);
                    double withSignals = TraceStops.perPass(trace, s.name());
                    String length = sectionBytes(c.target(), function) + " bytes"
                            + (spin.isPresent() ? String.format(Locale.ROOT, ", spin %,d", spin.getAsLong()) : "");
                    lines.add(String.format(Locale.ROOT, "   %-34s %-30s %-22s %,7d %,9d %,7d %,6d %10.2f %9.2f",
                            c.label(), s.name(), length, s.passes(), s.committed(), s.aborted(), s.exited(),
                            s.stopsPerPass(), withSignals));
                    checks.add(() -> {
                        assertTrue(s.passes() > 0, c.label() + ": " + s);
                        assertTrue(s.stopsPerPass() <= 3, c.label() + ": " + s);
                        assertTrue(withSignals <= 3, c.label() + ": " + withSignals + " stops per pass with signals");
                    });
                }
                checks.add(() -> {
                    assertEquals(0, run.exitCode(), run.describe());
                    assertTrue(programLine.startsWith("ok ops="), run.describe());
                });
            } finally {
                Files.deleteIfExists(trace);
            }
        }
        REPORT.put(2, lines);
        checks.forEach(Runnable::run);
    }

    @Test
    @Order(3)
    void theDemoRunsToTheEndUnderEveryPolicy() {
        List<String> lines = new ArrayList<>();
        lines.add("3. The bundled demo (demo-counter: 200 increments) stepped end to end: ./rseqdbg step --policy P");
        lines.add(String.format(Locale.ROOT, "   %-7s %7s %9s %9s %9s %6s %9s %8s %10s %5s  %s", "policy", "wall s",
                "stepped s", "steps", "steps/s", "c.s.", "committed", "aborted", "redirected", "exit", "program"));
        List<Runnable> checks = new ArrayList<>();
        for (String policy : List.of("skip", "inside", "opv", "none")) {
            long start = System.nanoTime();
            Run run = Rseqdbg.launch("step", "--policy", policy, "--json").timeout(Duration.ofSeconds(120)).run();
            double wall = (System.nanoTime() - start) / 1e9;
            StepSummary s = StepSummary.parse(run.lastLine());
            String programLine = run.stdout().lines().filter(l -> l.startsWith("ok ")).findFirst().orElse("(no ok line)");
            long redirected = s.sections().stream().mapToLong(StepSummary.Section::redirected).sum();
            lines.add(String.format(Locale.ROOT, "   %-7s %7.2f %9.2f %,9d %,9.0f %,6d %,9d %,8d %,10d %5d  %s%s",
                    policy, wall, s.seconds(), s.steps(), s.steps() / s.seconds(), s.criticalSectionsMet(),
                    s.committed(), s.aborts(), redirected, run.exitCode(), programLine,
                    s.abortLoop() ? " (abort loop reported)" : ""));
            checks.add(() -> {
                assertEquals(0, run.exitCode(), run.describe());
                assertTrue(programLine.startsWith("ok ops=200 "), run.describe());
                if (policy.equals("none")) {
                    assertTrue(s.abortLoop() && s.committed() == 0, "none shows the abort loop: " + run.describe());
                } else if (!policy.equals("opv")) {
                    assertEquals(200, s.committed(), run.describe());
                }
            });
        }
        REPORT.put(3, lines);
        checks.forEach(Runnable::run);
    }

    @AfterAll
    static void printReport() {
        if (REPORT.isEmpty()) {
            return;
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "%n===== rseqdbg step benchmark (%d CPUs, load average %s) =====%n",
                Runtime.getRuntime().availableProcessors(), loadAverage()));
        REPORT.values().forEach(lines -> lines.forEach(l -> out.append(l).append(System.lineSeparator())));
        System.out.print(out);
    }

    private static long sectionBytes(String target, String function) throws Exception {
        return RseqTables.read(Targets.path(target)).criticalSections().stream()
                .filter(cs -> cs.name().startsWith(function + "+")).findFirst().orElseThrow().postCommitOffset();
    }

    /** signal-storm's {@code spin=} key: the spin iterations inside each pass of its section. */
    private static OptionalLong spinOf(String programLine) {
        for (String word : programLine.split("\\s+")) {
            if (word.startsWith("spin=")) {
                return OptionalLong.of(Long.parseLong(word.substring(5)));
            }
        }
        return OptionalLong.empty();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static String rounded(List<Double> values) {
        return values.stream().map(v -> String.format(Locale.ROOT, "%,.0f", v)).toList().toString();
    }
}
