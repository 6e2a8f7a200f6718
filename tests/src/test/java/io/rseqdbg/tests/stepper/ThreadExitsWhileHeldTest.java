package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Targets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Worker threads end one after another while the others are at work (thread-exits: three rounds
 * of three workers doing 1, 2 and 3 shares), under {@code inside}, where every section a thread
 * steps through holds the others: each exit is followed, held threads are let go, and the
 * program finishes with its own checks passing.
 */
@Timeout(600)
class ThreadExitsWhileHeldTest {

    @TempDir
    Path dir;

    @Test
    void workersExitingWhileOthersAreHeldAreFollowedAndTheProgramFinishes() throws Exception {
        Path trace = dir.resolve("trace.tsv");
        StepProcess rseqdbg = StepProcess.start(dir, trace, "step", "--policy", "inside", "--trace", trace.toString(),
                "--", Targets.path("thread-exits-static").toString(), "3", "5");
        try {
            assertTrue(rseqdbg.process.waitFor(300, TimeUnit.SECONDS), "rseqdbg never ended: " + rseqdbg.stderr());
            assertEquals(0, rseqdbg.process.exitValue(), rseqdbg.stderr());
            assertTrue(rseqdbg.stdout().contains("ok ops=90 "), rseqdbg.stdout() + rseqdbg.stderr());
            List<String> lines = rseqdbg.traceText().lines().toList();
            assertEquals(9, lines.stream().filter(l -> l.endsWith("\tthread-exit")).count(), "nine workers ended");
            System.out.println("thread exits while another thread was inside a section: " + exitsWhileInside(lines));
        } finally {
            rseqdbg.process.destroyForcibly();
        }
    }

    /** Thread exits traced while another thread had entered a section and not yet left it. */
    private static int exitsWhileInside(List<String> lines) {
        Set<String> inside = new HashSet<>();
        int count = 0;
        for (String line : lines) {
            String[] f = line.split("\t");
            String event = f[f.length - 1];
            if (event.startsWith("enter ")) {
                inside.add(f[0]);
            } else if (event.contains(" stops=")) {
                inside.remove(f[0]);
            } else if (event.equals("thread-exit")) {
                inside.remove(f[0]);
                count += inside.isEmpty() ? 0 : 1;
            }
        }
        return count;
    }
}
