package io.rseqdbg.tests.support;

import java.nio.file.Path;
import java.util.List;

/** The {@code ./rseqdbg} launcher of the checkout under test, and the java command line it runs. */
public final class Launcher {

    private Launcher() {
    }

    public static Path home() {
        return Path.of(System.getProperty("rseqdbg.home", ".")).toAbsolutePath().normalize();
    }

    public static Path script() {
        return home().resolve("rseqdbg");
    }

    /** Runs {@code ./rseqdbg args} itself. */
    public static Targets.Launch launch(String... args) {
        return Targets.command("bash", script().toString()).args(args);
    }

    /** The exact java command line {@code ./rseqdbg args} runs (RSEQDBG_PRINT_JAVA_COMMAND). */
    public static List<String> javaCommand(String... args) {
        Targets.Run run = launch(args).env("RSEQDBG_PRINT_JAVA_COMMAND", "1").run().requireExit(0);
        if (!run.stderr().isEmpty()) {
            throw new AssertionError("the launcher wrote to stderr: " + run.describe());
        }
        return run.stdout().lines().toList();
    }

    /** Runs a java command line as given. */
    public static Targets.Run run(List<String> command) {
        return Targets.command(command.get(0), command.subList(1, command.size()).toArray(String[]::new)).run();
    }
}
