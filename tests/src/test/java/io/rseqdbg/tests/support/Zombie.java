package io.rseqdbg.tests.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A program that has exited and that nobody reaps for a minute: its parent is {@code sleep}.
 * The program starts only once its parent shell has become sleep, since the shell itself may
 * reap a child that ended before its exec (dash did, 1 run in 100).
 */
public final class Zombie implements AutoCloseable {

    private static final String START_ONCE_PARENT_SLEEPS =
            "while [ \"$(cat /proc/$PPID/comm 2>/dev/null)\" != sleep ]; do [ -e /proc/$PPID ] || exit 1; sleep 0.01; done; "
                    + "exec \"$@\" > /dev/null";

    private final Process parent;
    private final int pid;

    private Zombie(Process parent, int pid) {
        this.parent = parent;
        this.pid = pid;
    }

    /** Runs {@code command} to its end and returns once it is a zombie. */
    public static Zombie of(String... command) throws IOException, InterruptedException {
        List<String> sh = new ArrayList<>(List.of("sh", "-c", "sh -c \"$0\" sh \"$@\" & echo $!; exec sleep 60",
                START_ONCE_PARENT_SLEEPS));
        sh.addAll(List.of(command));
        Process parent = new ProcessBuilder(sh).start();
        // One line: the pipe stays open in sleep until it ends.
        int pid = Integer.parseInt(new BufferedReader(new InputStreamReader(parent.getInputStream())).readLine().trim());
        Zombie zombie = new Zombie(parent, pid);
        zombie.awaitExited();
        return zombie;
    }

    public int pid() {
        return pid;
    }

    private void awaitExited() throws IOException, InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        Path stat = Path.of("/proc", Integer.toString(pid), "stat");
        while (true) {
            String text = Files.exists(stat) ? Files.readString(stat) : "";
            if (text.contains(") Z ")) {
                return;
            }
            if (System.nanoTime() > end) {
                close();
                throw new AssertionError("process " + pid + " never became a zombie: " + text);
            }
            Thread.sleep(5);
        }
    }

    @Override
    public void close() {
        parent.destroyForcibly();
    }
}
