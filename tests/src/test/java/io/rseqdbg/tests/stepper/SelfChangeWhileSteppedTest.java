package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A stepped program changes what rseqdbg knows of it: each of its two workers binds itself to
 * one CPU (sched_setaffinity) and moves its rseq registration to another address (unregister,
 * register again: glibc's area in place, or, glibc's registration off, the runtime's own at a second
 * address). Under
 * {@code inside}, which clears {@code rseq_cs} at every stop inside a section, the sections after
 * the move are stepped without an abort (rseqdbg clears the new area's field, and never writes
 * the old area, which is the program's memory again); Ctrl-C detaches, leaving each worker the
 * mask it set, and the program finishes with its own checks (mask, rseq's CPU, sum) passing.
 */
@Timeout(600)
class SelfChangeWhileSteppedTest {

    /** Enough native work after the detach (a second or two here) to read the masks while it runs. */
    private static final long OPS = 200_000_000L;
    /** Sections stepped after both moves before the detach: with a stale area each one aborted. */
    private static final int SECTIONS_AFTER = 12;

    @TempDir
    Path dir;

    /**
     * {@code registrations}: a worker's successful registrations seen by the move. glibc
     * registers a thread as it starts, before the attach, so only the move is seen; the
     * runtime registers at a thread's first section, after it.
     */
    @ParameterizedTest(name = "rseq area: {0}")
    @CsvSource({"own, 2", "glibc, 1"})
    void affinityAndRseqAreaSetByTheProgramWhileSteppedAreKeptAndSteppingGoesOn(String area, int registrations)
            throws Exception {
        Map<String, String> env = new java.util.HashMap<>(Map.of("RSEQDBG_AWAIT_TRACER", "1"));
        if (area.equals("own")) {
            env.put("GLIBC_TUNABLES", "glibc.pthread.rseq=0");
        }
        try (RunningTarget program = RunningTarget.start(dir, "self-change-static", 2, OPS, env)) {
            List<Integer> cpus = cpuList(SignalledRseqdbgTest.masks(program.pid()).get(Long.toString(program.pid())));
            Path trace = dir.resolve("trace.tsv");
            StepProcess rseqdbg = StepProcess.start(dir, trace, "step", "--policy", "inside", "--pid",
                    Long.toString(program.pid()), "--trace", trace.toString());
            try {
                // A worker's first registration is at its first section; the second is the move.
                Map<String, Integer> seen = new java.util.HashMap<>();
                Set<String> moved = new HashSet<>();
                int[] committedAfter = {0};
                rseqdbg.awaitTraceLine(l -> {
                    String[] f = l.split("\t");
                    if (registered(f[f.length - 1]) && seen.merge(f[0], 1, Integer::sum) == registrations) {
                        moved.add(f[0]);
                    } else if (moved.size() == 2 && f[f.length - 1].startsWith("committed ")) {
                        committedAfter[0]++;
                    }
                    return committedAfter[0] >= SECTIONS_AFTER;
                }, "of " + SECTIONS_AFTER + " sections committed after both workers moved their rseq area");
                StepProcess.kill("INT", rseqdbg.process.pid());
                assertTrue(rseqdbg.process.waitFor(120, TimeUnit.SECONDS), "rseqdbg hangs after Ctrl-C: " + rseqdbg.stderr());
                assertEquals(0, rseqdbg.process.exitValue(), rseqdbg.stderr());
                assertEquals(List.of(), ProgramImage.differences(program.pid()), "bytes left in the program");
                Map<String, String> masks = SignalledRseqdbgTest.masks(program.pid());
                masks.remove(Long.toString(program.pid()));
                List<String> set = new ArrayList<>(List.of(Integer.toString(cpus.get(0)),
                        Integer.toString(cpus.get(1 % cpus.size()))));
                List<String> now = new ArrayList<>(masks.values());
                set.sort(null);
                now.sort(null);
                assertEquals(set, now, "each worker keeps the CPU it set itself");
                RunningTarget.Ended end = program.await(300);
                assertEquals(0, end.exitCode(), end.describe());
                assertEquals(Long.toString(2 * (20 + OPS)), end.report().get("ops"), end.describe());
                assertEquals(area, end.report().get("rseq"), end.describe());
                // No section went to the slow path: none of the stepped ones aborted four times.
                assertEquals("0", end.report().get("fallback"), end.describe() + rseqdbg.stderr());
            } finally {
                rseqdbg.process.destroyForcibly();
            }
        }
    }

    /** A successful rseq registration (x86-64 nr 334, flags 0) in a trace event. */
    private static boolean registered(String event) {
        if (!event.startsWith("syscall nr=334 result=0 ")) {
            return false;
        }
        String[] args = event.substring(event.indexOf("args=") + 5).split(",");
        return args[2].equals("0x0");
    }

    /** "0-1,3" as [0, 1, 3]. */
    private static List<Integer> cpuList(String list) {
        List<Integer> cpus = new ArrayList<>();
        for (String range : list.split(",")) {
            String[] ends = range.split("-");
            for (int c = Integer.parseInt(ends[0]); c <= Integer.parseInt(ends[ends.length - 1]); c++) {
                cpus.add(c);
            }
        }
        return cpus;
    }
}
