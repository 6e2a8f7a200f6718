package io.rseqdbg.tests.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rseqdbg.tests.support.Launcher;
import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's short-run command line (issue 13, start-up): {@code table} and {@code check} run
 * with the class-data archive the build made, and the same command line works, prints the same and
 * writes nothing to stderr when the archive is absent, missing, stale, garbage or another JDK's.
 */
class LauncherStartupTest {

    private static final String ARCHIVE_OPTION = "-XX:SharedArchiveFile=";
    private static final Path OPTIONS_SH = Launcher.home().resolve("stepper/src/main/sh/java-options.sh");
    private static final Path MAKE_ARCHIVE = Launcher.home().resolve("stepper/src/main/sh/make-cds-archive.sh");

    private static String specimen() {
        return Targets.path("demo-counter").toString();
    }

    /** What every variant must print: the run without any archive. */
    private static Run reference(List<String> command) {
        Run run = Launcher.run(withArchive(command, null)).requireExit(0);
        assertEquals("", run.stderr(), run.describe());
        return run;
    }

    /** The command with its archive option replaced by {@code archive} (none when null). */
    private static List<String> withArchive(List<String> command, String archive) {
        List<String> out = new ArrayList<>();
        for (String word : command) {
            if (!word.startsWith(ARCHIVE_OPTION)) {
                out.add(word);
            }
            if (word.equals("-Xlog:cds+dynamic=off") && archive != null) {
                out.add(ARCHIVE_OPTION + archive);
            }
        }
        return out;
    }

    private static List<String> withJar(List<String> command, Path jar) throws IOException {
        String built = Rseqdbg.jar().toRealPath().toString();
        return command.stream().map(w -> w.equals(built) ? jar.toString() : w).toList();
    }

    private static void assertSameQuietRun(Run expected, List<String> command) {
        Run run = Launcher.run(command);
        assertEquals(expected.exitCode(), run.exitCode(), run.describe());
        assertEquals("", run.stderr(), "nothing on stderr: " + run.describe());
        assertEquals(expected.stdout(), run.stdout(), run.describe());
    }

    @Test
    void shortCommandsRunWithTheBuildsArchiveAndItsClassesComeFromIt(@TempDir Path dir) throws IOException {
        List<String> command = Launcher.javaCommand("table", "--json", specimen());
        String archive = command.stream().filter(w -> w.startsWith(ARCHIVE_OPTION)).findFirst()
                .map(w -> w.substring(ARCHIVE_OPTION.length()))
                .orElseThrow(() -> new AssertionError("no archive in " + command));
        assertTrue(Files.size(Path.of(archive)) > 0, archive);
        assertTrue(command.contains("-XX:TieredStopAtLevel=1") && command.contains("-Xshare:auto"), command.toString());

        Path log = dir.resolve("classes.log");
        List<String> logged = new ArrayList<>(command);
        logged.add(1, "-Xlog:class+load:file=" + log);
        Run run = Launcher.run(logged);
        assertEquals(0, run.exitCode(), run.describe());
        assertEquals("", run.stderr(), run.describe());
        assertEquals(reference(command).stdout(), run.stdout());
        String classes = Files.readString(log);
        assertTrue(classes.contains("io.rseqdbg.cli.Main source: shared objects file (top)"),
                "rseqdbg's classes come from the archive: " + classes.lines().filter(l -> l.contains("rseqdbg")).toList());
        assertTrue(classes.contains("io.rseqdbg.elf.internal.Symbols source: shared objects file (top)"),
                "the training named critical sections too");

        for (String c : List.of("check", "--help", "--version")) {
            assertTrue(Launcher.javaCommand(c, "x").stream().anyMatch(w -> w.startsWith(ARCHIVE_OPTION)), c);
        }
    }

    @Test
    void longCommandsKeepThePlainCommandLine() throws IOException {
        List<String> command = Launcher.javaCommand("step", "--", "/bin/true");
        assertEquals(List.of("java", "-Drseqdbg.home=" + Launcher.home().toRealPath(), "-jar",
                Rseqdbg.jar().toRealPath().toString(), "step", "--", "/bin/true"), command);
    }

    @Test
    void withoutArchiveOrWithAnUnusableOneTheOutputIsTheSameAndStderrStaysEmpty(@TempDir Path dir) throws IOException {
        List<String> command = Launcher.javaCommand("check", "--json", specimen(), "/lib/x86_64-linux-gnu/libc.so.6");
        Run expected = reference(command);
        assertSameQuietRun(expected, command);
        assertSameQuietRun(expected, withArchive(command, dir.resolve("missing.jsa").toString()));
        Path garbage = dir.resolve("garbage.jsa");
        byte[] bytes = new byte[64 * 1024];
        new Random(13).nextBytes(bytes);
        Files.write(garbage, bytes);
        assertSameQuietRun(expected, withArchive(command, garbage.toString()));
        Files.write(garbage, new byte[0]);
        assertSameQuietRun(expected, withArchive(command, garbage.toString()));
    }

    @Test
    void aStaleArchiveIsSkippedByTheLauncherAndHarmlessToTheJvm(@TempDir Path dir) throws IOException {
        Path jar = dir.toRealPath().resolve("rseqdbg.jar");
        Files.copy(Rseqdbg.jar(), jar);
        Run made = Targets.command("bash", MAKE_ARCHIVE.toString(), jar.toString()).run();
        assertEquals(0, made.exitCode(), made.describe());
        assertEquals("", made.stderr(), made.describe());
        String archive = archiveFor(jar);
        assertTrue(Files.size(Path.of(archive)) > 0, archive);
        assertTrue(usable(jar), "a fresh archive is used");

        List<String> command = withJar(Launcher.javaCommand("table", specimen()), jar);
        Run expected = reference(command);
        assertSameQuietRun(expected, withArchive(command, archive));

        // the jar rebuilt after its archive: the launcher skips it, and the JVM would refuse it quietly
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() + 10_000));
        assertFalse(usable(jar), "an archive older than its jar is stale");
        assertSameQuietRun(expected, withArchive(command, archive));
        // the archive of a jar elsewhere: refused quietly too
        assertSameQuietRun(expected, withArchive(Launcher.javaCommand("table", specimen()), archive));
    }

    @Test
    void anotherJdkGetsNoArchiveAndNoWarning() throws IOException {
        Path ours = Path.of(bash(". '" + OPTIONS_SH + "'; readlink -f \"$(type -P java)\"").stdout().strip());
        Path other;
        try (Stream<Path> jdks = Files.list(Path.of("/usr/lib/jvm"))) {
            other = jdks.map(j -> j.resolve("bin/java")).filter(Files::isExecutable)
                    .filter(j -> !realPath(j).equals(ours)).findFirst().orElse(null);
        } catch (IOException e) {
            other = null;
        }
        assumeTrue(other != null, "no second JDK in /usr/lib/jvm");
        String path = other.getParent() + ":" + System.getenv("PATH");
        Run printed = Launcher.launch("table", specimen()).env("PATH", path).env("RSEQDBG_PRINT_JAVA_COMMAND", "1").run();
        List<String> command = printed.stdout().lines().toList();
        String ourArchive = Launcher.javaCommand("table", specimen()).stream()
                .filter(w -> w.startsWith(ARCHIVE_OPTION)).findFirst().orElseThrow();
        assertFalse(command.contains(ourArchive), "another JDK is not given this JDK's archive: " + command);

        Run run = Launcher.launch("table", specimen()).env("PATH", path).run();
        assertEquals(0, run.exitCode(), run.describe());
        assertEquals("", run.stderr(), run.describe());
        // and even given this JDK's archive, that JDK says nothing
        List<String> forced = new ArrayList<>(withArchive(command, ourArchive.substring(ARCHIVE_OPTION.length())));
        forced.set(0, other.toString());
        Run quiet = Launcher.run(forced);
        assertEquals(0, quiet.exitCode(), quiet.describe());
        assertEquals("", quiet.stderr(), quiet.describe());
        assertEquals(run.stdout(), quiet.stdout());
    }

    @Test
    void theGdbBridgeReadsTablesWithTheLaunchersCommandLine() throws IOException {
        String java = bash("readlink -f \"$(type -P java)\"").requireExit(0).stdout().strip();
        Path python = Launcher.home().resolve("gdb-bridge/src/main/python");
        Run gdb = Targets.command("gdb", "-batch", "-nx", "-ex", "python import sys; sys.path.insert(0, '" + python
                + "'); from rseqdbg_gdb.tables import java_command; print('\\n'.join(java_command('" + java + "', '"
                + Rseqdbg.jar() + "')))").run();
        assertEquals(0, gdb.exitCode(), gdb.describe());
        List<String> bridge = gdb.stdout().lines().toList();
        List<String> launcher = Launcher.javaCommand("table", "--json", specimen());
        // the same but for the java executable's name and the home property, which table does not read
        List<String> expected = new ArrayList<>(launcher.subList(0, launcher.indexOf("-jar") + 2));
        expected.set(0, java);
        expected.remove("-Drseqdbg.home=" + Launcher.home().toRealPath());
        assertEquals(expected, bridge);
        assertTrue(bridge.stream().anyMatch(w -> w.startsWith(ARCHIVE_OPTION)), bridge.toString());
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p;
        }
    }

    private static String archiveFor(Path jar) {
        return bash(". '" + OPTIONS_SH + "'; rseqdbg_cds_archive '" + jar + "' \"$(readlink -f \"$(type -P java)\")\";"
                + " echo \"$RSEQDBG_CDS_ARCHIVE\"").requireExit(0).stdout().strip();
    }

    private static boolean usable(Path jar) {
        return bash(". '" + OPTIONS_SH + "'; rseqdbg_usable_archive '" + jar + "' \"$(readlink -f \"$(type -P java)\")\"")
                .exitCode() == 0;
    }

    private static Run bash(String script) {
        return Targets.command("bash", "-c", script).run();
    }
}
