package io.rseqdbg.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code rseqdbg gdb [GDB-OPTION...] [-- PROGRAM [ARG...]]}: gdb with the rseqdbg bridge loaded, so
 * that its own stepi, nexti, step and next never get stuck in an rseq critical section.
 *
 * <p>gdb would auto-load Python named in the inspected file's {@code .debug_gdb_scripts}: script
 * auto-loading is turned off first, then the bridge is loaded explicitly from this installation,
 * told which jar reads the tables and which java runs it.
 */
final class GdbCommand implements Command {

    private static final String SYNTAX = "rseqdbg gdb [GDB-OPTION...] [-- PROGRAM [ARG...]]";

    @Override
    public String name() {
        return "gdb";
    }

    @Override
    public String summary() {
        return "run gdb with the rseqdbg bridge (stepping never sticks in critical sections)";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        List<String> all = Arrays.asList(args);
        int dashes = all.indexOf("--");
        List<String> gdbOptions = dashes < 0 ? all : all.subList(0, dashes);
        List<String> program = dashes < 0 ? List.of() : all.subList(dashes + 1, all.size());
        if (gdbOptions.contains("--help") || gdbOptions.contains("-h")) {
            out.print(help());
            return 0;
        }
        if (dashes >= 0 && program.isEmpty()) {
            throw new UsageException("no PROGRAM after -- (usage: " + SYNTAX + ")");
        }
        String gdb = onPath(System.getenv().getOrDefault("RSEQDBG_GDB", "gdb"))
                .orElseThrow(() -> new UsageException("no gdb found on the PATH (install gdb, or set RSEQDBG_GDB)"));
        Path bridge = bridgeDirectory();
        List<String> command = commandLine(gdb, bridge, ownJar(), javaExecutable(), gdbOptions, program);
        return runInForeground(command);
    }

    /** The gdb command line: script auto-loading off, the bridge loaded, then the user's options and program. */
    static List<String> commandLine(String gdb, Path bridge, Optional<Path> jar, String java,
                                    List<String> gdbOptions, List<String> program) {
        List<String> command = new ArrayList<>(List.of(gdb));
        for (String what : List.of("python-scripts", "gdb-scripts", "local-gdbinit")) {
            command.addAll(List.of("-iex", "set auto-load " + what + " off"));
        }
        command.addAll(List.of("-iex", "python import sys; sys.path.insert(0, " + pythonString(bridge.toString())
                + "); __import__('rseqdbg_gdb').install(jar=" + jar.map(j -> pythonString(j.toString())).orElse("None")
                + ", java=" + pythonString(java) + ")"));
        command.addAll(gdbOptions);
        if (!program.isEmpty()) {
            command.add("--args");
            command.addAll(program);
        }
        return command;
    }

    static String pythonString(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** gdb-bridge/src/main/python of this installation: rseqdbg.home, else beside stepper/target/rseqdbg.jar. */
    private static Path bridgeDirectory() {
        List<Path> homes = new ArrayList<>();
        String home = System.getProperty("rseqdbg.home");
        if (home != null && !home.isBlank()) {
            homes.add(Path.of(home));
        }
        ownJar().map(j -> j.toAbsolutePath().getParent()).map(Path::getParent).map(Path::getParent).ifPresent(homes::add);
        for (Path h : homes) {
            Path python = h.resolve("gdb-bridge/src/main/python");
            if (Files.isRegularFile(python.resolve("rseqdbg_gdb/__init__.py"))) {
                return python.toAbsolutePath().normalize();
            }
        }
        throw new UsageException("cannot find the gdb bridge (gdb-bridge/src/main/python) of this installation;"
                + " run rseqdbg through its ./rseqdbg launcher");
    }

    /** The jar this class runs from, or the installation's built jar when it runs from classes. */
    private static Optional<Path> ownJar() {
        try {
            Path location = Path.of(GdbCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (location.toString().endsWith(".jar")) {
                return Optional.of(location.toAbsolutePath());
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // fall back to rseqdbg.home below
        }
        String home = System.getProperty("rseqdbg.home");
        if (home == null || home.isBlank()) {
            return Optional.empty();
        }
        Path jar = Path.of(home, "stepper", "target", "rseqdbg.jar").toAbsolutePath().normalize();
        return Files.isRegularFile(jar) ? Optional.of(jar) : Optional.empty();
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static Optional<String> onPath(String program) {
        if (program.contains("/")) {
            return Files.isExecutable(Path.of(program)) ? Optional.of(program) : Optional.empty();
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate.toString());
            }
        }
        return Optional.empty();
    }

    /**
     * gdb owns the terminal until it exits. Ctrl-C and Ctrl-Z go to the whole foreground process
     * group: this JVM ignores them so that only gdb (and its program) answer.
     */
    private static int runInForeground(List<String> command) {
        ignoreTerminalSignals();
        try {
            Process gdb = new ProcessBuilder(command).inheritIO().start();
            while (true) {
                try {
                    return gdb.waitFor();
                } catch (InterruptedException e) {
                    // keep waiting: gdb decides when the session ends
                }
            }
        } catch (IOException e) {
            throw new UsageException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("restriction")
    private static void ignoreTerminalSignals() {
        for (String name : List.of("INT", "TSTP", "QUIT")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sun.misc.SignalHandler.SIG_IGN);
            } catch (IllegalArgumentException e) {
                // a signal the JVM does not let us handle stays as it is
            }
        }
    }

    private static String help() {
        return "usage: " + SYNTAX + "\n\n"
                + "Runs gdb with the rseqdbg bridge loaded: gdb's own stepi, nexti, step, next, until and\n"
                + "advance never stop or loop inside an rseq critical section. GDB-OPTIONs go to gdb as they\n"
                + "are (e.g. -batch -ex 'break main'); PROGRAM and its ARGs are what gdb debugs.\n\n"
                + "In gdb: rseq info, rseq policy skip|inside|opv|off, rseq status (help rseq).\n"
                + "Environment: RSEQDBG_GDB names the gdb to run.\n";
    }
}
