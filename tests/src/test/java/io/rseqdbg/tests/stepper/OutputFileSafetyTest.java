package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The files rseqdbg writes where the user says ({@code step --trace FILE}, {@code record -o
 * TRACE}; issue 12, "Security"): a symbolic link planted at that name (in a shared directory such
 * as /tmp) is never written through, and an existing file is replaced only with {@code --force}.
 */
class OutputFileSafetyTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(180);

    /** {@code step --trace FILE} or {@code record -o FILE}, on a short counter run. */
    private static Run write(String command, Path file, boolean force) {
        List<String> words = new ArrayList<>(List.of(command, command.equals("step") ? "--trace" : "-o", file.toString()));
        if (force) {
            words.add("--force");
        }
        // Static: no dynamic loader to step, a quarter of the time; the file is what is tested.
        words.addAll(List.of("--", Targets.path("counter-static").toString(), "1", "3"));
        return Rseqdbg.launch(words.toArray(String[]::new)).timeout(TIMEOUT).run();
    }

    @ParameterizedTest
    @ValueSource(strings = {"step", "record"})
    void aSymbolicLinkAtTheNameIsNeverWrittenThroughEvenWithForce(String command, @TempDir Path dir) throws IOException {
        Path victim = Files.writeString(dir.resolve("victim.txt"), "another user's file\n");
        Path link = Files.createSymbolicLink(dir.resolve("planted"), victim);
        for (boolean force : new boolean[] {false, true}) {
            Run run = write(command, link, force);
            run.requireOneLineError("symbolic link");
            assertEquals("another user's file\n", Files.readString(victim), run.describe());
            assertTrue(Files.isSymbolicLink(link));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"step", "record"})
    void aDanglingSymbolicLinkCreatesNothingAtItsTarget(String command, @TempDir Path dir) throws IOException {
        Path target = dir.resolve("would-be-created");
        Path link = Files.createSymbolicLink(dir.resolve("planted"), target);
        write(command, link, false).requireOneLineError("symbolic link");
        assertFalse(Files.exists(target));
    }

    @ParameterizedTest
    @ValueSource(strings = {"step", "record"})
    void anExistingFileIsKeptUnlessForceIsGiven(String command, @TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("existing"), "keep me\n");
        write(command, file, false).requireOneLineError("--force");
        assertEquals("keep me\n", Files.readString(file));
        write(command, file, true).requireExit(0);
        assertFalse(Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1).startsWith("keep me"));
    }

    @Test
    void aNewFileIsWrittenAsBefore(@TempDir Path dir) throws IOException {
        Path trace = dir.resolve("new.trace");
        write("record", trace, false).requireExit(0);
        Rseqdbg.launch("trace", "show", trace.toString()).timeout(TIMEOUT).run().requireExit(0);
    }

}
