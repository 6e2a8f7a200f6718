package io.rseqdbg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The common form of {@code table}/{@code check} arguments, read without Commons CLI, means what Commons CLI makes of it. */
class FilesArgumentsTest {

    private static final PrintStream NOWHERE = new PrintStream(new ByteArrayOutputStream());

    @Test
    void commonFormsAgreeWithCommonsCli() {
        for (List<String> args : List.of(List.of("a"), List.of("--json", "a"), List.of("a", "--json"),
                List.of("-j", "a", "b/c"), List.of("a", "-j", "b", "--json"), List.of("/lib/x.so", "rel/y"))) {
            String[] a = args.toArray(String[]::new);
            assertEquals(TableCommand.Files.parseWithCommonsCli(new TableCommand(), a, NOWHERE),
                    TableCommand.Files.commonForm(a), args.toString());
        }
    }

    @Test
    void everythingElseIsLeftToCommonsCli() {
        for (List<String> args : List.<List<String>>of(List.of(), List.of("--json"), List.of("--js", "a"), List.of("-h", "a"),
                List.of("a", "--help"), List.of("--", "a"), List.of("-"), List.of("a", ""), List.of("--bogus", "a"))) {
            assertNull(TableCommand.Files.commonForm(args.toArray(String[]::new)), args.toString());
        }
    }
}
