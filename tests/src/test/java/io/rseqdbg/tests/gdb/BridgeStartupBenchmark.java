package io.rseqdbg.tests.gdb;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Targets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the bridge adds to starting a program with twenty libraries under gdb (it reads every
 * file's tables in one JVM start, not one per file), printed beside plain gdb in one run. A
 * benchmark, not a test: on a shared machine a timed assertion fails for reasons of load.
 * Run with {@code mvn -B -Pbench verify}.
 */
@Tag("bench")
class BridgeStartupBenchmark {

    private static final int LIBRARIES = 20;

    @TempDir
    Path dir;

    /** A program linked against 20 shared libraries, built here with gcc. */
    private Path programWithLibraries() throws IOException {
        StringBuilder main = new StringBuilder();
        List<String> link = new ArrayList<>(List.of("gcc", "-g", "-o", dir.resolve("many").toString(), "main.c", "-L."));
        for (int i = 1; i <= LIBRARIES; i++) {
            Files.writeString(dir.resolve("l" + i + ".c"), "int f" + i + "(int x) { return x + " + i + "; }\n");
            gcc("-shared", "-fPIC", "-g", "-o", "libl" + i + ".so", "l" + i + ".c");
            main.append("int f").append(i).append("(int);\n");
            link.add("-ll" + i);
        }
        main.append("int main(void) { int s = 0;\n");
        for (int i = 1; i <= LIBRARIES; i++) {
            main.append("  s += f").append(i).append("(s);\n");
        }
        main.append("  return s > 0 ? 0 : 1; }\n");
        Files.writeString(dir.resolve("main.c"), main);
        link.add("-Wl,-rpath," + dir);
        gcc(link.subList(1, link.size()).toArray(String[]::new));
        return dir.resolve("many");
    }

    private void gcc(String... args) {
        List<String> command = new ArrayList<>(List.of("sh", "-c", "cd \"$0\" && exec gcc \"$@\"", dir.toString()));
        command.addAll(List.of(args));
        Targets.command(command.get(0), command.subList(1, command.size()).toArray(String[]::new)).run().requireExit(0);
    }

    /** Seconds for one batch session: to main, one stepi (which needs every file's tables), to the end. */
    private double session(Path program, boolean bridge, Path cache) {
        List<String> args = new ArrayList<>(List.of("-nx", "-batch"));
        if (bridge) {
            args.addAll(List.of("-iex", "source " + GdbSession.home().resolve("gdb-bridge/src/main/python/rseqdbg-gdb.py")));
        }
        args.addAll(List.of("-ex", "break main", "-ex", "run", "-ex", "stepi", "-ex", "rseq info", "-ex", "continue",
                program.toString()));
        long t0 = System.nanoTime();
        Targets.Run run = Targets.command(GdbSession.gdb(), args.toArray(String[]::new))
                .env("XDG_CACHE_HOME", cache.toString()).env("RSEQDBG_JAR", GdbSession.jar().toString()).run();
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(run.stdout().contains("exited normally"), run.describe());
        assertTrue(!bridge || !run.stdout().contains("bridge is off"), run.describe());
        return seconds;
    }

    @Test
    void bridgeCostBesidePlainGdbWithTwentyLibraries() throws IOException {
        Path program = programWithLibraries();
        double plain = Double.MAX_VALUE;
        double bridged = Double.MAX_VALUE;
        for (int round = 0; round < 2; round++) {  // best of two: the machine is shared
            plain = Math.min(plain, session(program, false, dir.resolve("unused")));
            bridged = Math.min(bridged, session(program, true, dir.resolve("cold-cache-" + round)));
        }
        System.out.printf(java.util.Locale.ROOT, "bridge start-up, %d libraries, best of 2: plain gdb %.2f s, with the"
                + " bridge (cold cache) %.2f s, added %.2f s (goal: under 1 s)%n", LIBRARIES, plain, bridged, bridged - plain);
    }
}
