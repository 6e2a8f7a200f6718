package io.rseqdbg.tests.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.ptrace.LaunchSpec;
import io.rseqdbg.ptrace.TraceEvent;
import io.rseqdbg.ptrace.Tracer;
import io.rseqdbg.tests.support.Targets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Raw single-step rate of the Java tracer against the minimal C loop (singlestep-c) on the same
 * plain-loop target, in one run: both step the same instructions from the first one after exec,
 * alternating, several rounds per placement; medians and their ratio are printed.
 *
 * <p>Where the scheduler puts the tracee decides the rate more than anything (a step round trip
 * on one CPU costs a third of one across CPUs), and on a shared machine that placement flips
 * from run to run. So the goal (ratio 0.9) is checked where placement is fixed — tracer and
 * tracee bound to one CPU — and the free and tracer-pinned placements are only reported.
 */
@Tag("bench")
class SingleStepBenchmark {
    static final int STEPS = 100_000;
    static final int ROUNDS = 5;
    static final int CPU = 1 % Runtime.getRuntime().availableProcessors();

    enum Placement {
        FREE("free (no pinning)"),
        TRACER_PINNED("tracer pinned to the tracee's CPU"),
        ONE_CPU("tracer and tracee bound to CPU " + CPU);

        final String label;

        Placement(String label) {
            this.label = label;
        }
    }

    @Test
    void javaSingleStepRateIsCloseToTheCLoop() throws Exception {
        double controlledRatio = 0;
        for (Placement placement : Placement.values()) {
            List<Double> c = new ArrayList<>();
            List<Double> java = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                c.add(cRate(placement));
                java.add(javaRate(placement));
            }
            double ratio = median(java) / median(c);
            System.out.printf("single-step, %s: C %.0f steps/s, Java %.0f steps/s, ratio %.2f (C %s, Java %s)%n",
                    placement.label, median(c), median(java), ratio, rates(c), rates(java));
            if (placement == Placement.ONE_CPU) {
                controlledRatio = ratio;
            }
        }
        // The goal is 0.9; the floor leaves room for the other builds sharing this machine.
        assertTrue(controlledRatio > 0.8, "Java/C single-step ratio " + controlledRatio);
    }

    private static double cRate(Placement placement) throws Exception {
        List<String> command = new ArrayList<>(List.of(Targets.path("singlestep-c").toString()));
        if (placement == Placement.TRACER_PINNED) {
            command.add("--pin");
        } else if (placement == Placement.ONE_CPU) {
            command.addAll(List.of("--cpu", Integer.toString(CPU)));
        }
        command.addAll(List.of("--steps", Integer.toString(STEPS), Targets.path("plain-loop").toString(), "1000000000"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        Matcher m = Pattern.compile("steps=(\\d+) seconds=([0-9.]+) rate=(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        assertEquals(STEPS, Long.parseLong(m.group(1)), out);
        return Double.parseDouble(m.group(3));
    }

    private static double javaRate(Placement placement) throws Exception {
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("plain-loop").toString(), "1000000000"))) {
            int pid = tracer.pid();
            if (placement == Placement.ONE_CPU) {
                // The benchmark binds its own tracee; the tracer never changes a tracee's affinity.
                Process taskset = new ProcessBuilder("taskset", "-p", "-c", Integer.toString(CPU), Integer.toString(pid))
                        .redirectErrorStream(true).start();
                taskset.getInputStream().readAllBytes();
                assertEquals(0, taskset.waitFor());
            }
            double rate = tracer.call(() -> {
                if (placement == Placement.TRACER_PINNED) {
                    tracer.pinToCpuOf(pid);
                } else if (placement == Placement.ONE_CPU) {
                    tracer.pinToCpu(CPU);
                }
                long start = System.nanoTime();
                for (int i = 0; i < STEPS; i++) {
                    tracer.singleStep(pid);
                    TraceEvent e = tracer.waitEvent();
                    if (!(e instanceof TraceEvent.Stepped)) {
                        throw new AssertionError("step " + i + ": " + e);
                    }
                }
                return STEPS / ((System.nanoTime() - start) / 1e9);
            });
            tracer.kill();
            return rate;
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static String rates(List<Double> values) {
        return values.stream().map(v -> String.format("%.0f", v)).toList().toString();
    }
}
