package io.rseqdbg.elf;

import java.util.ArrayList;
import java.util.List;

/** Lines of {@code /proc/PID/maps}: {@code start-end perms offset major:minor inode [path]}. */
final class ProcMaps {

    record Mapping(long start, long end, String permissions, long offset, String device, long inode, String path) {
    }

    private ProcMaps() {
    }

    static List<Mapping> parse(List<String> lines) {
        List<Mapping> out = new ArrayList<>();
        for (String line : lines) {
            Mapping m = parse(line);
            if (m != null) {
                out.add(m);
            }
        }
        return out;
    }

    static Mapping parse(String line) {
        String[] f = line.trim().split("\\s+", 6);
        if (f.length < 5) {
            return null;
        }
        int dash = f[0].indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            String path = f.length == 6 ? f[5] : "";
            if (path.endsWith(" (deleted)")) {
                path = path.substring(0, path.length() - " (deleted)".length());
            }
            return new Mapping(Long.parseUnsignedLong(f[0].substring(0, dash), 16),
                    Long.parseUnsignedLong(f[0].substring(dash + 1), 16), f[1], Long.parseUnsignedLong(f[2], 16), f[3],
                    Long.parseLong(f[4]), path);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
