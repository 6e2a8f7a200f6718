package io.rseqdbg.tests.ptrace;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.ptrace.LaunchSpec;
import io.rseqdbg.ptrace.TraceEvent;
import io.rseqdbg.ptrace.Tracer;
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
 * alternating, each mode five times; the medians and their ratio are printed. Goal: ratio 0.9.
 */
@Tag("bench")
class SingleStepBenchmark {
    static final int STEPS = 100_000;
    static final int ROUNDS = 5;

    @Test
    void javaSingleStepRateIsCloseToTheCLoop() throws Exception {
        for (boolean pin : new boolean[] {false, true}) {
            List<Double> c = new ArrayList<>();
            List<Double> java = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                c.add(cRate(pin));
                java.add(javaRate(pin));
            }
            double cMedian = median(c);
            double javaMedian = median(java);
            double ratio = javaMedian / cMedian;
            System.out.printf("single-step %s: C %.0f steps/s, Java %.0f steps/s, ratio %.2f (C %s, Java %s)%n",
                    pin ? "tracer pinned to the tracee's CPU" : "unpinned", cMedian, javaMedian, ratio, rates(c), rates(java));
            // The goal is 0.9; the floor leaves room for the other builds sharing this machine.
            assertTrue(ratio > 0.75, "Java/C single-step ratio " + ratio);
        }
    }

    private static double cRate(boolean pin) throws Exception {
        List<String> command = new ArrayList<>(List.of(Targets.exe("singlestep-c")));
        if (pin) {
            command.add("--pin");
        }
        command.addAll(List.of("--steps", Integer.toString(STEPS), Targets.exe("plain-loop"), "1000000000"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        Matcher m = Pattern.compile("steps=(\\d+) seconds=([0-9.]+) rate=(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        assertTrue(Long.parseLong(m.group(1)) == STEPS, out);
        return Double.parseDouble(m.group(3));
    }

    private static double javaRate(boolean pin) {
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.exe("plain-loop"), "1000000000"))) {
            int pid = tracer.pid();
            double rate = tracer.call(() -> {
                if (pin) {
                    tracer.pinToCpuOf(pid);
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
