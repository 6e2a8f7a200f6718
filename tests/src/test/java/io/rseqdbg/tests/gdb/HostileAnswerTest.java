package io.rseqdbg.tests.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge in a real gdb when the reader's answer is damaged or hostile (issue 12): the real
 * reader runs, and a filter between it and the bridge (a {@code java} found first through
 * JAVA_HOME) cuts or rewrites its JSON. gdb prints one line, nothing in the answer is executed,
 * and gdb goes on stepping the program to its end. {@link BridgeJsonFuzzTest} covers the inputs;
 * this covers what the user's gdb shows.
 */
class HostileAnswerTest {

    @TempDir
    Path dir;

    @Test
    void aTruncatedAnswerIsOneLineAndGdbStillSteps() throws IOException {
        GdbSession.Result r = session("| head -c 300").ex("break main", "run", "stepi 5", "next", "rseq info",
                "continue").run();
        assertEquals(1, r.count("^rseq: cannot read rseq tables: the reader's answer is not rseqdbg's JSON"),
                r.describe());
        assertEquals(0, r.count("Traceback|Python Exception|Error occurred in Python"), r.describe());
        assertTrue(r.programSaidOk(100) && r.programExitedNormally(), r.describe());
    }

    @Test
    void commandsAndEscapesInNamesAreShownEscapedAndNeverRun() throws IOException {
        Path marker = dir.resolve("executed");
        Files.writeString(dir.resolve("rename.py"), """
                import json, sys
                answer = json.load(sys.stdin)
                hostile = "x\\nshell touch %1$s\\npython open('%1$s', 'w')\\n\\x1b[2J$(touch %1$s)"
                for f in answer["files"]:
                    for cs in f["criticalSections"][1:]:  # the first is checked against gdb's symbols
                        cs["name"] = hostile
                json.dump(answer, sys.stdout)
                """.formatted(marker));
        GdbSession.Result r = session("| python3 " + dir.resolve("rename.py"))
                .ex("break percpu_counter_add", "run", "delete", "stepi 500", "rseq info", "continue").run();
        assertFalse(Files.exists(marker), "a name was executed\n" + r.describe());
        assertEquals(0, r.count("Traceback|Python Exception|Error occurred in Python"), r.describe());
        assertTrue(r.count("x\\\\x0ashell touch .*\\\\x1b\\[2J") >= 1, "rseq info lists the names escaped\n"
                + r.describe());
        assertEquals(0, r.count("^shell|^python open|\u001b"), "no name breaks a line\n" + r.describe());
        assertTrue(r.count(" committed") >= 1, "the bridge still runs the sections out\n" + r.describe());
        assertTrue(r.programSaidOk(100) && r.programExitedNormally(), r.describe());
    }

    /** The loader's gdb on counter, with the reader's output piped through {@code filter}. */
    private GdbSession session(String filter) throws IOException {
        Path java = Files.createDirectories(dir.resolve("jdk/bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\n'" + GdbSession.java() + "' \"$@\" " + filter + "\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return GdbSession.loader("counter", "1", "100")
                .env("JAVA_HOME", dir.resolve("jdk").toString())
                .env("XDG_CACHE_HOME", dir.resolve("cache").toString());  // the hostile answers stay here
    }
}
