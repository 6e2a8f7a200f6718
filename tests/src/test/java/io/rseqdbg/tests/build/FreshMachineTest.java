package io.rseqdbg.tests.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new machine meets: the toolchain probe judges a toolchain by compiling and linking with
 * it, and the native build is trusted only when it finished. A cross C library whose headers are
 * missing is simulated by covering its include folder with an empty one in a private mount
 * namespace, so the machine itself is left as it is.
 */
class FreshMachineTest {

    private static final Path TESTS = Path.of(System.getProperty("rseqdbg.home"), "tests");
    private static final String SETUP = TESTS.resolve("setup-toolchains.sh").toString();

    @Test
    void probePassesOnTheMachineThatBuiltTheTargets() {
        Run run = Targets.command("bash", SETUP).env("RSEQDBG_NO_INSTALL", "1").run();
        assertEquals(0, run.exitCode(), run.describe());
    }

    @Test
    void crossCompilerWithoutItsCLibraryIsNamedAsMissing() {
        Run run = hidden("/usr/aarch64-linux-gnu/include");
        assertEquals(1, run.exitCode(), run.describe());
        assertTrue(run.stderr().contains("toolchain probe 'aarch64 cross' failed"), run.describe());
        String last = lastStderrLine(run);
        assertTrue(last.startsWith("rseqdbg build: missing Debian packages:"), last);
        assertTrue(last.contains("libc6-dev-arm64-cross"), last);
        assertFalse(last.contains("lld"), "only the failing toolchains' packages are named: " + last);
    }

    @Test
    void missingThirtyTwoBitCLibraryIsNamedAsMissing() {
        Run run = hidden("/usr/lib32");
        assertEquals(1, run.exitCode(), run.describe());
        assertTrue(lastStderrLine(run).contains("libc6-dev-i386"), run.describe());
    }

    @Test
    void nativeBuildThatFailsPartWayLeavesNoCompletionStamp(@TempDir Path out) throws IOException {
        Path stamp = out.resolve(".build-complete");
        Files.createFile(stamp);
        Run run = Targets.command("bash", TESTS.resolve("build-native.sh").toString(), out.toString())
                .env("CC", "false").run();
        assertNotEquals(0, run.exitCode(), run.describe());
        assertFalse(Files.exists(stamp), "a stamp from an earlier build must not survive a failed one");
    }

    @Test
    void mavenBuildOfTheTargetsEndedWithTheCompletionStamp() {
        assertTrue(Files.isRegularFile(Targets.dir().resolve(".build-complete")));
    }

    private static String lastStderrLine(Run run) {
        return run.stderr().lines().filter(l -> !l.isBlank()).reduce("", (a, b) -> b);
    }

    private static Run hidden(String folder) {
        assumeTrue(Files.isDirectory(Path.of(folder)), folder + " is not on this machine");
        assumeTrue(Targets.command("unshare", "-m", "true").run().exitCode() == 0,
                "needs a private mount namespace (root)");
        return Targets.command("unshare", "-m", "bash", "-c",
                        "mount -t tmpfs none " + folder + " && exec bash " + SETUP)
                .env("RSEQDBG_NO_INSTALL", "1").run();
    }
}
