package io.rseqdbg.tests.support;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the built {@code rseqdbg} command line (the shaded jar) as a separate process. */
public final class Rseqdbg {

    private Rseqdbg() {
    }

    public static Path jar() {
        String jar = System.getProperty("rseqdbg.jar");
        if (jar == null || jar.isBlank()) {
            throw new IllegalStateException("system property rseqdbg.jar is not set (run the tests through Maven)");
        }
        return Path.of(jar);
    }

    /** The java command line that runs rseqdbg with {@code args}. */
    public static List<String> commandLine(String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Drseqdbg.home=" + System.getProperty("rseqdbg.home", "."),
                "-jar", jar().toString()));
        command.addAll(List.of(args));
        return command;
    }

    public static Targets.Launch launch(String... args) {
        List<String> command = commandLine(args);
        return Targets.command(command.get(0), command.subList(1, command.size()).toArray(String[]::new));
    }
}
