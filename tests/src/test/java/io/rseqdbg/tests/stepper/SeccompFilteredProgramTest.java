package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Targets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program under a seccomp filter (seccomp-counter: EPERM for getppid, SECCOMP_RET_TRACE for
 * getpid, SIGSYS for uname, death for sched_setaffinity, ptrace and process_vm_writev), stepped
 * under {@code inside}: every answer is what it is untraced (rseqdbg does not ask for seccomp
 * stops, so RET_TRACE gives ENOSYS as with no tracer; the SIGSYS is delivered to the program's
 * handler), and nothing rseqdbg does (binding a thread to its CPU, writing rseq_cs) runs a system
 * call in the program: the filter never kills it.
 */
@Timeout(600)
class SeccompFilteredProgramTest {

    @TempDir
    Path dir;

    @Test
    void aSeccompFilteredProgramIsSteppedToItsEndWithTheFiltersAnswersUnchanged() throws Exception {
        Path trace = dir.resolve("trace.tsv");
        StepProcess rseqdbg = StepProcess.start(dir, trace, "step", "--policy", "inside", "--trace", trace.toString(),
                "--", Targets.path("seccomp-counter-static").toString(), "2", "20");
        try {
            assertTrue(rseqdbg.process.waitFor(300, TimeUnit.SECONDS), "rseqdbg never ended: " + rseqdbg.stderr());
            assertEquals(0, rseqdbg.process.exitValue(), rseqdbg.stdout() + rseqdbg.stderr());
            assertTrue(rseqdbg.stdout().contains("ok ops=40 ") && rseqdbg.stdout().contains(" seccomp=3"),
                    rseqdbg.stdout() + rseqdbg.stderr());
            assertTrue(rseqdbg.stderr().contains("critical sections run with rseq_cs cleared, bound to their CPU"),
                    "sections were stepped with their thread bound: " + rseqdbg.stderr());
            assertTrue(rseqdbg.traceText().lines().anyMatch(l -> l.contains("\tsignal 31 code=1")),
                    "the filter's SIGSYS (SYS_SECCOMP) is traced and delivered");
        } finally {
            rseqdbg.process.destroyForcibly();
        }
    }
}
