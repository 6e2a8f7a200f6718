package io.rseqdbg.tests.ptrace;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The plain C targets and what the tests need to know about them from outside the tracer. */
final class Targets {
    private Targets() {
    }

    static Path path(String name) {
        String dir = System.getProperty("rseqdbg.native");
        if (dir == null) {
            throw new IllegalStateException("system property rseqdbg.native is not set (run through Maven)");
        }
        Path p = Path.of(dir, name);
        if (!Files.isExecutable(p)) {
            throw new IllegalStateException("target " + p + " is missing; build tests/src/main/c");
        }
        return p;
    }

    static String exe(String name) {
        return path(name).toString();
    }

    /** The run-time address of {@code symbol} in process {@code pid} running target {@code name} (a PIE). */
    static long symbol(int pid, String name, String symbol) throws IOException, InterruptedException {
        Path exe = path(name).toRealPath();
        Process nm = new ProcessBuilder("nm", exe.toString()).redirectErrorStream(true).start();
        String out = new String(nm.getInputStream().readAllBytes());
        nm.waitFor();
        long value = -1;
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && f[2].equals(symbol) && (f[1].equals("T") || f[1].equals("t"))) {
                value = Long.parseUnsignedLong(f[0], 16);
            }
        }
        if (value < 0) {
            throw new IllegalStateException("no symbol " + symbol + " in " + exe);
        }
        for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "maps"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 6 && f[5].equals(exe.toString()) && Long.parseLong(f[2], 16) == 0) {
                return Long.parseUnsignedLong(f[0].split("-")[0], 16) + value;
            }
        }
        throw new IllegalStateException(exe + " is not mapped in " + pid);
    }

    /** Bytes straight from /proc/PID/mem, whatever the tracer believes. */
    static byte[] rawMemory(int pid, long address, int length) throws IOException {
        try (RandomAccessFile mem = new RandomAccessFile("/proc/" + pid + "/mem", "r")) {
            byte[] b = new byte[length];
            mem.seek(address);
            mem.readFully(b);
            return b;
        }
    }

    /**
     * Starts a target that is not a child of this JVM (the JDK reaper would take ptrace stops
     * from a child), its output going to {@code out}; returns its pid.
     */
    static int startDetached(Path out, String... command) throws IOException, InterruptedException {
        List<String> sh = new java.util.ArrayList<>(List.of("sh", "-c", "exec \"$@\" > \"$0\" 2>&1 & echo $!", out.toString()));
        sh.addAll(List.of(command));
        Process p = new ProcessBuilder(sh).redirectErrorStream(true).start();
        String pid = new String(p.getInputStream().readAllBytes()).trim();
        p.waitFor();
        return Integer.parseInt(pid);
    }

    /** Waits until process {@code pid} is gone (reaped by init); false on timeout. */
    static boolean awaitGone(int pid, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!Files.exists(Path.of("/proc", Integer.toString(pid)))) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }

    /**
     * Waits until every thread in {@code tids} of process {@code pid} has left its ptrace stop
     * (its /proc state is no longer 't': it runs or sleeps in the program's own code).
     */
    static void awaitResumed(int pid, java.util.Collection<Integer> tids) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (int tid : tids) {
            Path stat = Path.of("/proc", Integer.toString(pid), "task", Integer.toString(tid), "stat");
            while (true) {
                String text;
                try {
                    text = Files.readString(stat);
                } catch (IOException e) {
                    break; // exited: not stopped any more
                }
                if (text.charAt(text.lastIndexOf(')') + 2) != 't') {
                    break;
                }
                if (System.nanoTime() > end) {
                    throw new AssertionError("thread " + tid + " of " + pid + " never left its ptrace stop");
                }
                Thread.sleep(1);
            }
        }
    }

    /** TracerPid from /proc/PID/status. */
    static int tracerPid(int pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
            if (line.startsWith("TracerPid:")) {
                return Integer.parseInt(line.substring("TracerPid:".length()).trim());
            }
        }
        return -1;
    }

    static String read(Path file) throws IOException {
        return Files.readString(file);
    }
}
