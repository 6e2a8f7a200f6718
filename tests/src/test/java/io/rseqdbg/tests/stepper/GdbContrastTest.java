package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.elf.RseqTables;
import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The point of the project, side by side: gdb's stepi never gets through an rseq critical
 * section (every stop inside aborts it), while rseqdbg step on the same program commits each one.
 * The target's fast path is told never to give up, as in a library with no slow path.
 */
class GdbContrastTest {

    private static final String NEVER_GIVE_UP = "1000000";

    @Test
    void gdbStepiLoopsInTheCriticalSectionWhileRseqdbgCommitsEveryOne() throws Exception {
        Path target = Targets.path("counter-nopie"); // ET_EXEC: table addresses are run-time addresses
        CriticalSection cs = RseqTables.read(target).criticalSections().stream()
                .filter(c -> c.name().startsWith("percpu_counter_add+")).findFirst().orElseThrow();

        String count = String.join("\n",
                "python",
                "import gdb",
                "entries = commits = 0",
                "for _ in range(3000):",
                "    gdb.execute('stepi', to_string=True)",
                "    pc = int(gdb.parse_and_eval('$pc'))",
                "    entries += pc == " + cs.start(),
                "    commits += pc == " + cs.postCommit(),
                "print('entries=%d commits=%d' % (entries, commits))",
                "end");
        Path script = java.nio.file.Files.createTempFile("contrast", ".gdb");
        java.nio.file.Files.writeString(script, String.join("\n",
                "set pagination off", "set confirm off",
                "set environment RSEQDBG_FASTPATH_TRIES=" + NEVER_GIVE_UP,
                "break percpu_counter_add", "run", "delete", count, "kill", ""));
        Run gdb = Targets.command("gdb", "-nx", "-batch", "-x", script.toString(), "--args", target.toString(), "1", "5")
                .timeout(Duration.ofSeconds(180)).run();
        Matcher m = Pattern.compile("entries=(\\d+) commits=(\\d+)").matcher(gdb.stdout());
        assertTrue(m.find(), gdb.describe());
        assertTrue(Integer.parseInt(m.group(1)) >= 20, "gdb re-entered the section again and again: " + m.group());
        assertEquals(0, Integer.parseInt(m.group(2)), "gdb never gets through: " + m.group());

        Run rseqdbg = Rseqdbg.launch("step", "--", target.toString(), "1", "5")
                .env("RSEQDBG_FASTPATH_TRIES", NEVER_GIVE_UP).timeout(Duration.ofSeconds(120)).run().requireExit(0);
        assertTrue(rseqdbg.lastLine().startsWith("ok ops=5 fallback=0 "), rseqdbg.describe());
        assertEquals(5, StepCommandTest.committed(rseqdbg.stderr(), "percpu_counter_add"), rseqdbg.describe());
    }
}
