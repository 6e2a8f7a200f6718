package io.rseqdbg.tests.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rseqdbg.tests.support.Json;
import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge's table cache (issue 12, "Security"): created private to the user (0700), and an entry
 * is trusted only when it parses, names the key it is stored under, and lies in a directory only
 * this user owns; otherwise the file is read again by the real reader. Driven through the bridge's
 * own Python ({@code table_cache_check.py}), with the built jar and two real targets.
 */
class TableCacheTest {

    @TempDir
    static Path home;
    private static Map<String, Object> result;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void driveTheCache() throws Exception {
        assumeTrue(new ProcessBuilder("id", "-u").start().inputReader().readLine().equals("0"),
                "the foreign-directory case chowns a directory: needs root");
        Path script = Files.copy(Path.of(TableCacheTest.class.getResource("table_cache_check.py").toURI()),
                home.resolve("check.py"));
        Path cache = home.resolve("cache").resolve("rseqdbg").resolve("gdb-tables");
        Run run = Targets.command("python3", script.toString(),
                GdbSession.home().resolve("gdb-bridge/src/main/python").toString(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), Rseqdbg.jar().toString(),
                cache.toString(), Targets.path("counter").toString(), Targets.path("list").toString())
                .timeout(Duration.ofSeconds(180)).run().requireExit(0);
        result = Json.object(run.lastLine());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> read(String name) {
        return (Map<String, Object>) result.get(name);
    }

    private static long jvmRuns(String name) {
        return ((Number) read(name).get("jvmRuns")).longValue();
    }

    @Test
    void theCacheDirectoryAndItsParentArePrivate() {
        ((Map<?, ?>) result.get("modes")).values().forEach(mode -> assertEquals("0o700", mode, result.toString()));
    }

    @Test
    void aGoodEntryIsUsedInsteadOfAJvmRun() {
        assertEquals(1, jvmRuns("first"));
        assertEquals(0, jvmRuns("again"), "the control: a valid entry is read from the cache");
        assertEquals(read("first").get("names"), read("again").get("names"));
    }

    @Test
    void anEntryThatDoesNotParseIsIgnored() {
        assertEquals(1, jvmRuns("damaged"));
        assertEquals(read("first").get("names"), read("damaged").get("names"));
    }

    @Test
    void anEntryStoredUnderAnotherFilesKeyIsIgnored() {
        assertEquals(1, jvmRuns("swapped"));
        assertEquals(Targets.path("list").toString(), read("swapped").get("file"), "list's own tables, not counter's");
        assertEquals(Targets.path("counter").toString(), read("first").get("file"));
    }

    @Test
    void aCacheDirectoryAnotherUserOwnsIsNeitherReadNorWritten() {
        assertEquals(1, jvmRuns("foreign"));
        assertEquals(Boolean.TRUE, result.get("foreignUntouched"));
    }
}
