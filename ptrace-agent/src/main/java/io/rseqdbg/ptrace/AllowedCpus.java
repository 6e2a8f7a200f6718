package io.rseqdbg.ptrace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPUs a process may run on, as /proc says them ({@code Cpus_allowed_list}: "0-3,8,10-11").
 * The one reader of that list: the tracer's messages, {@code --bind}'s check and record's CPU.
 *
 * @param list the kernel's list, or "?" when the process is gone
 */
public record AllowedCpus(String list) {

    /** The CPUs of process {@code pid} (its main thread). */
    public static AllowedCpus of(int pid) {
        return read(Path.of("/proc", Integer.toString(pid), "status"));
    }

    /** The CPUs of this process (and of a program it launches, which inherits them). */
    public static AllowedCpus ofThisProcess() {
        return read(Path.of("/proc/self/status"));
    }

    private static AllowedCpus read(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return new AllowedCpus(line.substring("Cpus_allowed_list:".length()).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return new AllowedCpus("?");
    }

    public boolean contains(int cpu) {
        for (String part : list.split(",")) {
            String[] range = part.trim().split("-");
            try {
                int low = Integer.parseInt(range[0]);
                int high = range.length > 1 ? Integer.parseInt(range[1]) : low;
                if (cpu >= low && cpu <= high) {
                    return true;
                }
            } catch (NumberFormatException e) {
                // an empty or foreign list holds nothing
            }
        }
        return false;
    }

    /** The lowest CPU of the list; 0 when the list cannot be read. */
    public int first() {
        try {
            return Integer.parseInt(list.split("[,-]")[0].trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public String toString() {
        return list;
    }
}
