package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Targets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker thread (not the leader) calls execve while its two siblings are stepped through
 * their sections: the kernel kills the siblings and gives the exec'ing thread the leader's pid.
 * rseqdbg follows the new image under the same pid, steps it to its end, and passes its status
 * through; the new image checks its own sum and that it kept the pid.
 */
@Timeout(600)
class ExecUnderSteppingTest {

    @TempDir
    Path dir;

    @Test
    void anExecFromAWorkerThreadIsFollowedIntoTheNewImage() throws Exception {
        Path trace = dir.resolve("trace.tsv");
        StepProcess rseqdbg = StepProcess.start(dir, trace, "step", "--policy", "inside", "--trace", trace.toString(),
                "--", Targets.path("exec-midway-static").toString(), "3", "40");
        try {
            assertTrue(rseqdbg.process.waitFor(300, TimeUnit.SECONDS), "rseqdbg hangs after the exec: " + rseqdbg.stderr());
            assertEquals(0, rseqdbg.process.exitValue(), rseqdbg.stderr());
            assertTrue(rseqdbg.stdout().contains("ok ops=40 ") && rseqdbg.stdout().contains(" exec=1"),
                    "the new image finishes with its checks passing: " + rseqdbg.stdout() + rseqdbg.stderr());
            List<String> lines = rseqdbg.traceText().lines().toList();
            String pid = lines.get(0).split("\t")[0];
            assertEquals(pid + "\t-\t-\texit status=0", lines.get(lines.size() - 1), "the leader's pid ends the run");
            assertTrue(lines.contains(pid + "\t-\t-\texec " + Targets.path("exec-midway-static").toRealPath()),
                    "the trace names the exec: " + lines.stream().filter(l -> l.contains("exec")).toList());
            // The new image's first step reports execve's return (nr 59, result 0) under the leader's pid.
            assertTrue(lines.stream().anyMatch(l -> l.startsWith(pid + "\t") && l.contains("\tsyscall nr=59 result=0 ")),
                    "the exec is followed under pid " + pid);
        } finally {
            rseqdbg.process.destroyForcibly();
        }
    }
}
