package io.rseqdbg.tests.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * ns per increment of a per-cpu counter: rseq fast path, forced cpu_opv, pthread mutex per
 * cpu, with one thread and with one thread per core. Runs only with mvn -Pbench verify.
 */
@Tag("bench")
class BenchPercpuTest {

    private static final List<String> MODES = List.of("rseq", "opv", "mutex");
    private static final long FAST_OPS = 100_000_000;
    private static final long OPV_OPS = 1_000_000;

    private static double nsPerOp(String mode, int threads) {
        long perThread = (mode.equals("opv") ? OPV_OPS : FAST_OPS) / threads;
        Run run = Targets.target("bench-percpu")
                .args(String.valueOf(threads), String.valueOf(perThread), mode)
                .timeout(Duration.ofMinutes(5)).run().requireExit(0);
        assertEquals(threads * perThread, run.number("ops"), run.describe());
        return Double.parseDouble(run.report().get("ns_per_op"));
    }

    @Test
    void printsNanosecondsPerOperationSideBySide() {
        int cores = Runtime.getRuntime().availableProcessors();
        StringBuilder table = new StringBuilder(String.format(
                "%nper-cpu counter increment, ns per op (wall time x threads / ops)%n"
                + "%-10s %12s %12s %12s%n", "threads", "rseq", "cpu_opv", "mutex"));
        for (int threads : cores > 1 ? new int[] {1, cores} : new int[] {1}) {
            table.append(String.format("%-10s", threads == 1 ? "1" : threads + " (cores)"));
            for (String mode : MODES) {
                table.append(String.format(" %12.1f", nsPerOp(mode, threads)));
            }
            table.append(System.lineSeparator());
        }
        System.out.print(table);
    }
}
