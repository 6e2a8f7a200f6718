package io.rseqdbg.elf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The /proc directory that shows a process's address space. Usually {@code /proc/PID}; but a
 * leader that called pthread_exit stays a zombie while its threads run on, and the files that go
 * through its memory ({@code maps}, {@code exe}, {@code auxv}, {@code mem}) are then empty or
 * missing: a live thread's {@code /proc/PID/task/TID} shows the same address space.
 */
public final class ProcessDirectory {

    private ProcessDirectory() {
    }

    public static Path of(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        if (!exited(proc)) {
            return proc;
        }
        try (Stream<Path> tasks = Files.list(proc.resolve("task"))) {
            return tasks.filter(t -> !exited(t)).findFirst().orElse(proc);
        } catch (IOException e) {
            return proc; // the process is gone: its reader says so
        }
    }

    private static boolean exited(Path dir) {
        try (Stream<String> lines = Files.lines(dir.resolve("status"))) {
            String state = lines.filter(l -> l.startsWith("State:")).findFirst().orElse("State:\tX");
            char c = state.substring("State:".length()).trim().charAt(0);
            return c == 'Z' || c == 'X';
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }
}
