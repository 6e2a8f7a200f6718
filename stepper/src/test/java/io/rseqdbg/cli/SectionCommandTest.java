package io.rseqdbg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code rseqdbg section}: the gdb bridge's question about a section known only from a live rseq_cs. */
class SectionCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int rseqdbg(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void aLiveSectionLeavesThroughPostCommitAndAbortAndIsSingleStepped() {
        assertEquals(0, rseqdbg("section", "--json", "--descriptor", "0x5000", "--start", "0x1000",
                "--post-commit-offset", "0x10", "--abort", "0x2000", "--name", "f+4"));
        String json = out.toString(StandardCharsets.UTF_8);
        assertTrue(json.contains("\"name\":\"f+4\"") && json.contains("\"section\":\"rseq_cs (live)\""), json);
        assertTrue(json.contains("\"exitsDeclared\":false"), json);
        assertTrue(json.contains("\"waysOut\":[{\"address\":\"0x1010\",\"outcome\":\"committed\"},"
                + "{\"address\":\"0x2000\",\"outcome\":\"aborted\"}]"), json);
        assertTrue(json.contains("\"problem\":null") && json.contains("\"rules\":{\"outcomeElsewhere\":\"exited\""), json);
    }

    @Test
    void anAbortHandlerRightAfterTheCommitIsStillAnAbort() {
        assertEquals(0, rseqdbg("section", "--json", "--descriptor", "0x5000", "--start", "0x1000",
                "--post-commit-offset", "0x10", "--abort", "0x1010"));
        String json = out.toString(StandardCharsets.UTF_8);
        assertTrue(json.contains("\"waysOut\":[{\"address\":\"0x1010\",\"outcome\":\"aborted\"}]"), json);
    }

    @Test
    void aDescriptorWithNoSensibleLengthIsNoSection() {
        assertEquals(0, rseqdbg("section", "--json", "--descriptor", "0x5000", "--start", "0x1000",
                "--post-commit-offset", "0x0", "--abort", "0x2000"));
        String json = out.toString(StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{\"criticalSection\":null,\"problem\":\"post_commit_offset 0x0 is not"), json);
    }

    @Test
    void aMissingAddressIsOneUsageLine() {
        assertEquals(Main.EXIT_USAGE, rseqdbg("section", "--start", "0x1000", "--post-commit-offset", "16",
                "--abort", "0x2000"));
        String said = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, said.lines().count(), said);
        assertTrue(said.startsWith("rseqdbg section: --descriptor is required"), said);
    }

    @Test
    void aBadNumberIsOneUsageLine() {
        assertEquals(Main.EXIT_USAGE, rseqdbg("section", "--descriptor", "zz", "--start", "0x1000",
                "--post-commit-offset", "16", "--abort", "0x2000"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("rseqdbg section: --descriptor wants a number"));
    }
}
