package io.rseqdbg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void unknownCommandIsOneLineOnStderrAndExitTwo() {
        assertEquals(2, run("frobnicate"));
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("frobnicate"), text);
        assertEquals(1, text.lines().count(), text);
    }

    @Test
    void helpListsCommandsAndExitsZero() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: rseqdbg"));
    }
}
