package io.rseqdbg.tests.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Launcher;
import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets.Run;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Recordings that once diverged, kept with the binary they were made with ({@code tests/repro}):
 * each must replay matched. The binary goes to a path as long as the recorded one, since the
 * path is on the program's stack (argv[0], the exec file name) and in what it reads back.
 */
class ReproducedFailuresTest {

    private static final Path REPRO = Launcher.home().resolve("tests/repro");
    private Path home;

    @AfterEach
    void removeBinary() throws IOException {
        if (home != null) {
            try (var files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * A fresh Debian chroot's recording: thread 0's futex in pthread_join was interrupted, the
     * other threads ran, and its next slice began with the kernel's restart of that futex.
     * Diverged at thread 0's instruction 14618 while the Serializer kept one "restart pending"
     * for all threads.
     */
    @Test
    void aSliceBeginningWithARestartedFutexReplaysMatched() throws IOException {
        Path dir = REPRO.resolve("chaos-futex");
        Path program = binaryAtPathOfLength("/src/project/tests/target/native/counter-static".length(),
                dir.resolve("counter-static.gz"), "counter-static");
        Run run = Rseqdbg.launch("replay", dir.resolve("chaos.trace").toString(), "--force", "--",
                program.toString(), "2", "150").timeout(Duration.ofSeconds(240)).run();
        assertEquals(0, run.exitCode(), run.describe());
        assertTrue(run.stdout().contains("replay matched: 898 events, 297 commits, 125 aborts"), run.describe());
    }

    /** The gzipped binary unpacked to DIR/NAME where the whole path is {@code length} characters long. */
    private Path binaryAtPathOfLength(int length, Path gzipped, String name) throws IOException {
        home = Files.createTempDirectory(Path.of("/tmp"), "repro");
        int padding = length - home.toString().length() - 2 - name.length();
        assertTrue(padding > 0, home + " is too long a directory for a path of " + length);
        Path program = Files.createDirectory(home.resolve("d".repeat(padding))).resolve(name);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gzipped))) {
            Files.copy(in, program);
        }
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(length, program.toString().length());
        return program;
    }
}
