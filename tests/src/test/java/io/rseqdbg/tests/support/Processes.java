package io.rseqdbg.tests.support;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What the tests need to know about a live process from outside the tracer (through /proc and nm). */
public final class Processes {

    private Processes() {
    }

    /** The run-time address of function {@code symbol} in process {@code pid} running target {@code name}. */
    public static long symbol(int pid, String name, String symbol) throws IOException {
        Path exe = Targets.path(name).toRealPath();
        long value = Binutils.symbols(exe).stream().filter(s -> s.name().equals(symbol) && s.isFunction())
                .reduce((first, last) -> last)
                .orElseThrow(() -> new IllegalStateException("no symbol " + symbol + " in " + exe)).value();
        for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "maps"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 6 && f[5].equals(exe.toString()) && Long.parseLong(f[2], 16) == 0) {
                return Long.parseUnsignedLong(f[0].split("-")[0], 16) + value;
            }
        }
        throw new IllegalStateException(exe + " is not mapped in " + pid);
    }

    /** Bytes straight from /proc/PID/mem, whatever the tracer believes. */
    public static byte[] rawMemory(int pid, long address, int length) throws IOException {
        try (RandomAccessFile mem = new RandomAccessFile("/proc/" + pid + "/mem", "r")) {
            byte[] b = new byte[length];
            mem.seek(address);
            mem.readFully(b);
            return b;
        }
    }

    /**
     * Starts a program that is not a child of this JVM (the JDK reaper would take ptrace stops
     * from a child), its output going to {@code out}; returns its pid.
     */
    public static int startDetached(Path out, String... command) throws IOException, InterruptedException {
        List<String> sh = new ArrayList<>(List.of("sh", "-c", "exec \"$@\" > \"$0\" 2>&1 & echo $!", out.toString()));
        sh.addAll(List.of(command));
        Process p = new ProcessBuilder(sh).redirectErrorStream(true).start();
        String pid = new String(p.getInputStream().readAllBytes()).trim();
        p.waitFor();
        return Integer.parseInt(pid);
    }

    /** Waits until process {@code pid} is gone (reaped by init); false on timeout. */
    public static boolean awaitGone(int pid, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!Files.exists(Path.of("/proc", Integer.toString(pid)))) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }

    /** TracerPid from /proc/PID/status. */
    public static int tracerPid(int pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
            if (line.startsWith("TracerPid:")) {
                return Integer.parseInt(line.substring("TracerPid:".length()).trim());
            }
        }
        return -1;
    }

    /**
     * Waits until every thread in {@code tids} of process {@code pid} has left its ptrace stop
     * (its /proc state is no longer 't': it runs or sleeps in the program's own code).
     */
    public static void awaitResumed(int pid, java.util.Collection<Integer> tids) throws InterruptedException {
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
}
