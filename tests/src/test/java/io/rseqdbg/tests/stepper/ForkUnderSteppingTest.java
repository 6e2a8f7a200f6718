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
 * A program that forks and vforks (posix_spawn) while single-stepped: each is traced as its own
 * stop, the system call that made it returns the child's pid in the parent, and the children run
 * on unstepped to their own correct end.
 */
@Timeout(600)
class ForkUnderSteppingTest {

    @TempDir
    Path dir;

    @Test
    void aForkAndAVforkAreTracedAndTheirCallsReturnTheChildren() throws Exception {
        Path trace = dir.resolve("trace.tsv");
        StepProcess rseqdbg = StepProcess.start(dir, trace, "step", "--trace", trace.toString(), "--",
                Targets.path("spawn-children").toString(), Targets.path("plain-loop").toString());
        try {
            assertTrue(rseqdbg.process.waitFor(300, TimeUnit.SECONDS), "rseqdbg never ended: " + rseqdbg.stderr());
            assertEquals(0, rseqdbg.process.exitValue(), rseqdbg.stderr());
            String stdout = rseqdbg.stdout();
            assertTrue(stdout.endsWith("spawn-children ok\n"), stdout);
            assertEquals(2, stdout.lines().filter(l -> l.equals("plain-loop n=10 sum=45")).count(), stdout);
            List<String> lines = rseqdbg.traceText().lines().toList();
            for (String kind : List.of("fork", "vfork")) {
                int at = indexOf(lines, 0, l -> l.contains("\t" + kind + " child="));
                String[] f = lines.get(at).split("\t");
                String child = f[3].substring(f[3].indexOf('=') + 1);
                int call = indexOf(lines, at + 1, l -> l.startsWith(f[0] + "\t") && l.contains("\tsyscall "));
                assertTrue(lines.get(call).contains(" result=" + child + " "),
                        "the " + kind + " returns the child " + child + " in the parent: " + lines.get(call));
            }
        } finally {
            rseqdbg.process.destroyForcibly();
        }
    }

    private static int indexOf(List<String> lines, int from, java.util.function.Predicate<String> p) {
        for (int i = from; i < lines.size(); i++) {
            if (p.test(lines.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no such trace line after line " + from);
    }
}
