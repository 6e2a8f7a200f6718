package io.rseqdbg.ptrace;

import static io.rseqdbg.ptrace.internal.NativeError.ENOENT;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a program through rseqdbg-launcher (ptrace-agent/src/main/c/launcher.c), which forks it
 * and lets it exec only once it is traced. The program is thus the JVM's grandchild: the JDK's
 * process reaper waits for the launcher only and can never take the program's ptrace stops.
 */
final class Launcher {
    private Launcher() {
    }

    /** The program's path: as given when it holds a '/', else found on PATH. */
    static Path resolve(LaunchSpec spec) {
        String program = spec.program();
        if (program.contains("/")) {
            // Absolute, whichever directory it is relative to: the path executed lands on the
            // program's stack (AT_EXECFN), so a replay run from another directory (given the
            // recorded one) must pass the same string, or every stack address moves.
            Path p = Path.of(program);
            if (!p.isAbsolute()) {
                Path dir = spec.workingDirectory() != null ? spec.workingDirectory() : Path.of("").toAbsolutePath();
                p = dir.toAbsolutePath().resolve(p);
            }
            return checkRunnable(p, program);
        }
        String path = spec.environment() != null && spec.environment().containsKey("PATH")
                ? spec.environment().get("PATH") : System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        throw new TraceException("launch", 0, ENOENT, "launch " + program + ": no such program (not found on PATH)");
    }

    private static Path checkRunnable(Path p, String program) {
        if (!Files.exists(p)) {
            throw new TraceException("launch", 0, ENOENT, "launch " + program + ": no such program");
        }
        if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
            throw new TraceException("launch", 0, 13, "launch " + program + ": not an executable file");
        }
        return p;
    }

    /** Starts the launcher; its child, the program, waits to be traced before it execs. */
    static Process start(LaunchSpec spec, Path program) {
        List<String> command = new ArrayList<>();
        command.add(NativeBinary.path("rseqdbg-launcher", "launch").toString());
        if (!spec.randomAddresses()) {
            command.add("--no-aslr");
        }
        command.add(program.toString());
        command.add(spec.program());
        command.addAll(spec.args());
        ProcessBuilder pb = new ProcessBuilder(command);
        if (spec.environment() != null) {
            pb.environment().clear();
            pb.environment().putAll(spec.environment());
        }
        if (spec.workingDirectory() != null) {
            pb.directory(spec.workingDirectory().toFile());
        }
        pb.redirectInput(spec.stdin()).redirectOutput(spec.stdout()).redirectError(spec.stderr());
        try {
            return TracerThread.onAnyTracerThread() ? startElsewhere(pb) : pb.start();
        } catch (IOException e) {
            throw new TraceException("launch", 0, 0, "launch " + spec.program() + ": cannot start the launcher: "
                    + e.getMessage());
        }
    }

    /**
     * A tracer thread waits with waitpid(-1, __WNOTHREAD), which would reap a child it started
     * itself and steal the launcher's exit from the JDK: start it from a short-lived thread.
     */
    private static Process startElsewhere(ProcessBuilder pb) throws IOException {
        Process[] started = new Process[1];
        IOException[] failed = new IOException[1];
        Thread starter = new Thread(() -> {
            try {
                started[0] = pb.start();
            } catch (IOException e) {
                failed[0] = e;
            }
        }, "rseqdbg-launch");
        starter.start();
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the launcher");
        }
        if (failed[0] != null) {
            throw failed[0];
        }
        return started[0];
    }
}
