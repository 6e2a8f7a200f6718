package io.rseqdbg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GdbCommandTest {

    private final List<String> command = GdbCommand.commandLine("/usr/bin/gdb", Path.of("/opt/rseqdbg/python"),
            Optional.of(Path.of("/opt/rseqdbg/rseqdbg.jar")), "/usr/lib/jvm/bin/java",
            List.of("-batch", "-ex", "run"), List.of("./counter", "4", "100"));

    @Test
    void scriptAutoLoadingIsOffBeforeTheBridgeAndTheProgramAreLoaded() {
        int bridge = command.indexOf("-iex") + 2 * 3 + 1;
        for (String what : List.of("python-scripts", "gdb-scripts", "local-gdbinit")) {
            int at = command.indexOf("set auto-load " + what + " off");
            assertTrue(at > 0 && at < bridge, command.toString());
            assertEquals("-iex", command.get(at - 1));
        }
        assertTrue(command.get(bridge).contains("install(jar='/opt/rseqdbg/rseqdbg.jar', java='/usr/lib/jvm/bin/java')"),
                command.get(bridge));
        assertTrue(command.get(bridge).contains("sys.path.insert(0, '/opt/rseqdbg/python')"), command.get(bridge));
    }

    @Test
    void userOptionsFollowAndTheProgramComesLastWithItsArguments() {
        int args = command.indexOf("--args");
        assertEquals(List.of("-batch", "-ex", "run"), command.subList(args - 3, args));
        assertEquals(List.of("./counter", "4", "100"), command.subList(args + 1, command.size()));
    }

    @Test
    void pathsAreQuotedForPython() {
        assertEquals("'/a b/it\\'s\\\\x'", GdbCommand.pythonString("/a b/it's\\x"));
    }

    @Test
    void dashesWithoutAProgramIsAUsageError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"gdb", "--"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(Main.EXIT_USAGE, status);
        assertEquals(1, err.toString(StandardCharsets.UTF_8).lines().count());
    }
}
