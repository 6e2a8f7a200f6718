package io.rseqdbg.stepper.status;

import io.rseqdbg.elf.ProcessDirectory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What {@code status} reads from /proc: never stops the process. Missing files read as empty. */
final class ProcView {

    /** AT_RSEQ_FEATURE_SIZE (include/uapi/linux/auxvec.h, Linux 6.3+). */
    static final long AT_RSEQ_FEATURE_SIZE = 27;

    private ProcView() {
    }

    private static Path task(int pid, int tid) {
        return Path.of("/proc", Integer.toString(pid), "task", Integer.toString(tid));
    }

    /** The "Key: value" lines of /proc/PID/status (or a task's), empty when gone. */
    static Map<String, String> status(Path dir) {
        Map<String, String> fields = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(dir.resolve("status"))) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        return fields;
    }

    static Map<String, String> status(int pid) {
        return status(Path.of("/proc", Integer.toString(pid)));
    }

    static Map<String, String> threadStatus(int pid, int tid) {
        return status(task(pid, tid));
    }

    static int number(Map<String, String> status, String key, int otherwise) {
        try {
            return Integer.parseInt(status.getOrDefault(key, "").split("\\s+")[0]);
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /** The thread ids in /proc/PID/task, ascending. */
    static List<Integer> tasks(int pid) {
        List<Integer> tids = new ArrayList<>();
        try (var dir = Files.newDirectoryStream(Path.of("/proc", Integer.toString(pid), "task"))) {
            for (Path p : dir) {
                tids.add(Integer.parseInt(p.getFileName().toString()));
            }
        } catch (IOException | NumberFormatException e) {
            return List.of();
        }
        tids.sort(null);
        return tids;
    }

    /** Field 39 (processor) of the task's stat: the CPU it last ran on, -1 when gone. */
    static int lastCpu(int pid, int tid) {
        try {
            String s = Files.readString(task(pid, tid).resolve("stat"));
            String[] rest = s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
            return Integer.parseInt(rest[39 - 3]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * The pc of a thread that is not running, from /proc/PID/task/TID/syscall ("NR ARGS... SP PC",
     * or "-1 SP PC" outside a system call); empty when it runs or cannot be read.
     */
    static Optional<Long> stoppedPc(int pid, int tid) {
        try {
            String[] f = Files.readString(task(pid, tid).resolve("syscall")).trim().split("\\s+");
            if (f.length < 3 || f[0].equals("running")) {
                return Optional.empty();
            }
            return Optional.of(Long.parseUnsignedLong(f[f.length - 1].replaceFirst("^0x", ""), 16));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** AT_RSEQ_FEATURE_SIZE of /proc/PID/auxv (words of the process's own size), 0 when absent. */
    static int rseqFeatureSize(int pid, boolean is64) {
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(ProcessDirectory.of(pid).resolve("auxv")))
                    .order(ByteOrder.LITTLE_ENDIAN);
            int word = is64 ? 8 : 4;
            for (int at = 0; at + 2 * word <= b.limit(); at += 2 * word) {
                long type = is64 ? b.getLong(at) : b.getInt(at) & 0xffffffffL;
                long value = is64 ? b.getLong(at + word) : b.getInt(at + word) & 0xffffffffL;
                if (type == 0) {
                    break;
                }
                if (type == AT_RSEQ_FEATURE_SIZE) {
                    return (int) value;
                }
            }
        } catch (IOException e) {
            // unreadable: unknown
        }
        return 0;
    }

    /** Bytes of the process's memory through /proc/PID/mem (no stop needed; the permission of ptrace is). */
    static byte[] memory(int pid, long address, int length) throws IOException {
        try (FileChannel mem = FileChannel.open(ProcessDirectory.of(pid).resolve("mem"), StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining()) {
                if (mem.read(b, address + b.position()) <= 0) {
                    throw new IOException("short read at 0x" + Long.toHexString(address));
                }
            }
            return b.array();
        }
    }

    /** The name column of the /proc/PID/maps line holding {@code address}: a path, "[stack]", "" (anonymous)... */
    static Optional<String> mappingOf(int pid, long address) {
        try {
            for (String line : Files.readAllLines(ProcessDirectory.of(pid).resolve("maps"))) {
                String[] f = line.trim().split("\\s+", 6);
                int dash = f[0].indexOf('-');
                long start = Long.parseUnsignedLong(f[0].substring(0, dash), 16);
                long end = Long.parseUnsignedLong(f[0].substring(dash + 1), 16);
                if (Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0) {
                    return Optional.of(f.length == 6 ? f[5] : "");
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone or unreadable
        }
        return Optional.empty();
    }

    static String comm(int pid, int tid) {
        try {
            return Files.readString(task(pid, tid).resolve("comm")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    static String executable(int pid) {
        try {
            return Files.readSymbolicLink(ProcessDirectory.of(pid).resolve("exe")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    static String kernelRelease() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    static boolean gone(int pid) {
        return exited(status(pid));
    }

    /**
     * Whether the process whose /proc status is {@code st} has exited: no status, or a dead
     * leader without live threads (a leader that called pthread_exit is a zombie too, but its
     * process lives on while the count of threads, which still includes it, is above one).
     */
    static boolean exited(Map<String, String> st) {
        String state = st.getOrDefault("State", "?");
        boolean deadLeader = state.startsWith("Z") || state.startsWith("X");
        return st.isEmpty() || deadLeader && number(st, "Threads", 1) <= 1;
    }
}
