package io.rseqdbg.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The kernel's CPU list format ({@code Cpus_allowed_list}: "0-3,8,10-11"). */
final class CpuList {

    private CpuList() {
    }

    /** {@code Cpus_allowed_list} of a /proc status file, or "" when it cannot be read. */
    static String of(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return line.substring("Cpus_allowed_list:".length()).trim();
                }
            }
        } catch (IOException e) {
            // gone: the attach reports it
        }
        return "";
    }

    static boolean contains(String list, int cpu) {
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
}
