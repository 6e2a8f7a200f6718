package io.rseqdbg.tests.gdb;

import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One real {@code gdb -batch} session on a test target, with the bridge loaded by
 * {@code rseqdbg gdb} (as users start it), by the one-line loader (as a ~/.gdbinit does), or not
 * at all. gdb reads no ~/.gdbinit, and the bridge keeps its table cache under target/.
 *
 * <pre>
 * Session.Result r = GdbSession.bridge("counter", "1", "1000").ex("break main", "run", "stepi 1000", "continue").run();
 * </pre>
 */
final class GdbSession {

    static final Duration TIMEOUT = Duration.ofSeconds(120);

    private enum Loading { COMMAND, LOADER, NONE }

    private final Loading loading;
    private final List<String> program;
    private final List<String> commands = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();

    private GdbSession(Loading loading, String target, String... args) {
        this.loading = loading;
        this.program = new ArrayList<>(List.of(Targets.path(target).toString()));
        this.program.addAll(List.of(args));
        env.put("XDG_CACHE_HOME", home().resolve("tests/target/gdb-cache").toString());
    }

    /** gdb started by {@code java -jar rseqdbg.jar gdb ... -- TARGET ARGS}. */
    static GdbSession bridge(String target, String... args) {
        return new GdbSession(Loading.COMMAND, target, args);
    }

    /** gdb that sources gdb-bridge/src/main/python/rseqdbg-gdb.py, as a ~/.gdbinit line does. */
    static GdbSession loader(String target, String... args) {
        return new GdbSession(Loading.LOADER, target, args);
    }

    /** Plain gdb, no bridge. */
    static GdbSession plain(String target, String... args) {
        return new GdbSession(Loading.NONE, target, args);
    }

    GdbSession ex(String... gdbCommands) {
        commands.addAll(List.of(gdbCommands));
        return this;
    }

    /** Runs {@code python} (a script, several lines) in the session at this point. */
    GdbSession python(String script) {
        try {
            Path file = Files.createTempFile("rseqdbg-gdb-test", ".py");
            file.toFile().deleteOnExit();
            Files.writeString(file, script);
            commands.add("source " + file);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Environment of gdb, and so of the program. */
    GdbSession env(String name, String value) {
        env.put(name, value);
        return this;
    }

    Result run() {
        List<String> gdbOptions = new ArrayList<>(List.of("-nx", "-batch"));
        if (loading == Loading.LOADER) {
            gdbOptions.addAll(List.of("-iex", "source " + home().resolve("gdb-bridge/src/main/python/rseqdbg-gdb.py")));
        }
        for (String c : commands) {
            gdbOptions.addAll(List.of("-ex", c));
        }
        Targets.Launch launch;
        if (loading == Loading.COMMAND) {
            List<String> args = new ArrayList<>(List.of("-Drseqdbg.home=" + home(), "-jar", jar().toString(), "gdb"));
            args.addAll(gdbOptions);
            args.add("--");
            args.addAll(program);
            launch = Targets.command(java(), args.toArray(String[]::new));
        } else {
            List<String> args = new ArrayList<>(gdbOptions);
            args.add("--args");
            args.addAll(program);
            launch = Targets.command(gdb(), args.toArray(String[]::new));
        }
        env.forEach(launch::env);
        return new Result(launch.timeout(TIMEOUT).run());
    }

    static Path home() {
        return Path.of(System.getProperty("rseqdbg.home")).toAbsolutePath().normalize();
    }

    static Path jar() {
        return Path.of(System.getProperty("rseqdbg.jar")).toAbsolutePath().normalize();
    }

    /** By absolute path: tests may hand gdb a PATH without it. */
    static String gdb() {
        return Files.isExecutable(Path.of("/usr/bin/gdb")) ? "/usr/bin/gdb" : "gdb";
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** What gdb and the program printed (one stream: gdb -batch writes its errors to stderr). */
    record Result(Run run) {

        String output() {
            return run.stdout() + run.stderr();
        }

        long count(String regex) {
            Pattern p = Pattern.compile(regex);
            return output().lines().filter(l -> p.matcher(l).find()).count();
        }

        /** Lines "rseq: NAME committed" the bridge printed for the thread gdb was stepping. */
        long commits() {
            return count("^rseq: \\S+ committed");
        }

        boolean programExitedNormally() {
            return output().contains("exited normally]");
        }

        /** The program's own final "ok ..." line, checked by the program itself. */
        boolean programSaidOk(long ops) {
            return output().contains("ok ops=" + ops + " ");
        }

        String describe() {
            return run.describe();
        }
    }
}
