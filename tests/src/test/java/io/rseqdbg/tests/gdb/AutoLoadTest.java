package io.rseqdbg.tests.gdb;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing from an inspected file runs in {@code rseqdbg gdb} (issue 12, "Security"): a program
 * whose {@code .debug_gdb_scripts} section carries an inline Python script that would create a
 * file. Plain gdb with a permissive auto-load safe-path runs it (the control); {@code rseqdbg gdb}
 * does not, with or without that safe-path.
 */
class AutoLoadTest {

    /** An inline Python entry (SECTION_SCRIPT_ID_PYTHON_TEXT = 4): name line, script, NUL. */
    private static final String PROGRAM = """
            asm(".pushsection \\".debug_gdb_scripts\\", \\"MS\\",@progbits,1\\n"
                ".byte 4\\n"
                ".ascii \\"rseqdbg-autoload-check\\\\n\\"\\n"
                ".ascii \\"import os\\\\n\\"\\n"
                ".ascii \\"open(os.environ['AUTOLOAD_MARKER'], 'w').write('ran')\\\\n\\"\\n"
                ".byte 0\\n"
                ".popsection\\n");
            int main(void) { return 0; }
            """;
    private static final Duration TIMEOUT = Duration.ofSeconds(180);

    @TempDir
    static Path dir;
    private static Path program;

    @BeforeAll
    static void buildTheProgram() throws Exception {
        Path source = Files.writeString(dir.resolve("scripted.c"), PROGRAM);
        program = dir.resolve("scripted");
        Targets.command("gcc", "-g", "-o", program.toString(), source.toString()).timeout(TIMEOUT).run().requireExit(0);
    }

    @Test
    void plainGdbWithAPermissiveSafePathRunsTheScript() {
        Path marker = dir.resolve("control-ran");
        Run run = Targets.command("gdb", "-nx", "-batch", "-iex", "set auto-load safe-path /", program.toString())
                .env("AUTOLOAD_MARKER", marker.toString()).timeout(TIMEOUT).run();
        assertTrue(Files.exists(marker), "the control: the entry is a real auto-load script\n" + run.describe());
    }

    @Test
    void rseqdbgGdbDoesNotRunIt() {
        Path marker = dir.resolve("rseqdbg-ran");
        Run run = Rseqdbg.launch("gdb", "-nx", "-batch", "--", program.toString())
                .env("AUTOLOAD_MARKER", marker.toString()).timeout(TIMEOUT).run();
        assertFalse(Files.exists(marker), run.describe());
        assertFalse(run.stderr().contains("Traceback"), run.describe());
    }

    @Test
    void rseqdbgGdbDoesNotRunItEvenWithAPermissiveSafePath() {
        Path marker = dir.resolve("rseqdbg-safe-path-ran");
        Run run = Rseqdbg.launch("gdb", "-nx", "-batch", "-iex", "set auto-load safe-path /", "--", program.toString())
                .env("AUTOLOAD_MARKER", marker.toString()).timeout(TIMEOUT).run();
        assertFalse(Files.exists(marker), run.describe());
    }
}
