package io.rseqdbg.ptrace;

import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How to start a program under the tracer: the program (a path, or a name looked up on PATH), its
 * arguments, its environment ({@code null}: the JVM's own), its working directory ({@code null}:
 * the JVM's own) and where its standard streams go (inherited unless redirected; a
 * {@link Redirect#PIPE} is reachable through {@link Tracer#launchedProcess()}), and whether its
 * addresses are randomised as usual ({@code randomAddresses}) or fixed, as under {@code setarch -R}.
 */
public record LaunchSpec(String program, List<String> args, Map<String, String> environment,
        Path workingDirectory, Redirect stdin, Redirect stdout, Redirect stderr, boolean randomAddresses) {

    public LaunchSpec {
        Objects.requireNonNull(program, "program");
        args = List.copyOf(args);
        environment = environment == null ? null : Map.copyOf(environment);
        stdin = Objects.requireNonNullElse(stdin, Redirect.INHERIT);
        stdout = Objects.requireNonNullElse(stdout, Redirect.INHERIT);
        stderr = Objects.requireNonNullElse(stderr, Redirect.INHERIT);
    }

    public static LaunchSpec of(String program, String... args) {
        return new LaunchSpec(program, List.of(args), null, null, null, null, null, true);
    }

    public static LaunchSpec of(String program, List<String> args) {
        return new LaunchSpec(program, args, null, null, null, null, null, true);
    }

    public LaunchSpec withEnvironment(Map<String, String> env) {
        return new LaunchSpec(program, args, env, workingDirectory, stdin, stdout, stderr, randomAddresses);
    }

    public LaunchSpec withWorkingDirectory(Path dir) {
        return new LaunchSpec(program, args, environment, dir, stdin, stdout, stderr, randomAddresses);
    }

    public LaunchSpec withStdin(Redirect r) {
        return new LaunchSpec(program, args, environment, workingDirectory, r, stdout, stderr, randomAddresses);
    }

    public LaunchSpec withStdout(Redirect r) {
        return new LaunchSpec(program, args, environment, workingDirectory, stdin, r, stderr, randomAddresses);
    }

    /**
     * Address-space randomisation off (the stack, heap and libraries where they were last run):
     * how many instructions a run takes then depends on nothing but its input.
     */
    public LaunchSpec withFixedAddresses() {
        return new LaunchSpec(program, args, environment, workingDirectory, stdin, stdout, stderr, false);
    }

    public LaunchSpec withStderr(Redirect r) {
        return new LaunchSpec(program, args, environment, workingDirectory, stdin, stdout, r, randomAddresses);
    }
}
