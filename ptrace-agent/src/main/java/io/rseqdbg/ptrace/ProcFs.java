package io.rseqdbg.ptrace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What the tracer reads from /proc. */
final class ProcFs {
    private ProcFs() {
    }

    /** The lines of /proc/PID/status that explain ptrace failures. */
    record Status(String name, int tgid, int tracerPid, char state, boolean kernelThread) {
    }

    /** /proc/PID/status, or empty when there is no such process. */
    static Optional<Status> status(int pid) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"));
        } catch (IOException e) {
            return Optional.empty();
        }
        String name = "?";
        int tgid = pid;
        int tracer = 0;
        char state = '?';
        boolean kthread = false;
        boolean hasVm = false;
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon);
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "Name" -> name = value;
                case "Tgid" -> tgid = Integer.parseInt(value);
                case "TracerPid" -> tracer = Integer.parseInt(value);
                case "State" -> state = value.isEmpty() ? '?' : value.charAt(0);
                case "Kthread" -> kthread = value.equals("1");
                case "VmSize" -> hasVm = true;
                default -> { }
            }
        }
        // Kernels before 6.0 have no Kthread line; kernel threads have no memory either.
        if (!lines.stream().anyMatch(l -> l.startsWith("Kthread:"))) {
            kthread = !hasVm && state != 'Z' && state != 'X';
        }
        return Optional.of(new Status(name, tgid, tracer, state, kthread));
    }

    /** The thread ids in /proc/PID/task (empty when the process is gone). */
    static List<Integer> tasks(int pid) {
        List<Integer> tids = new ArrayList<>();
        try (var dir = Files.newDirectoryStream(Path.of("/proc", Integer.toString(pid), "task"))) {
            for (Path p : dir) {
                tids.add(Integer.parseInt(p.getFileName().toString()));
            }
        } catch (IOException e) {
            return List.of();
        }
        return tids;
    }

    /** The children of a process's main thread (/proc/PID/task/PID/children). */
    static List<Integer> children(long pid) {
        List<Integer> kids = new ArrayList<>();
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "task", Long.toString(pid), "children"));
            for (String w : s.trim().split("\\s+")) {
                if (!w.isEmpty()) {
                    kids.add(Integer.parseInt(w));
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return kids;
    }

    /** True when {@code signal} is queued for the thread itself (SigPnd of /proc/PID/task/TID/status). */
    static boolean signalPending(int pid, int tid, int signal) {
        return pending(pid, tid, signal, "SigPnd:");
    }

    /** True when {@code signal} is queued for the thread or its whole process (SigPnd, ShdPnd). */
    static boolean signalPendingAnywhere(int pid, int tid, int signal) {
        return pending(pid, tid, signal, "SigPnd:", "ShdPnd:");
    }

    private static boolean pending(int pid, int tid, int signal, String... fields) {
        try {
            for (String line : Files.readAllLines(
                    Path.of("/proc", Integer.toString(pid), "task", Integer.toString(tid), "status"))) {
                for (String field : fields) {
                    if (line.startsWith(field)) {
                        long mask = Long.parseUnsignedLong(line.substring(field.length()).trim(), 16);
                        if ((mask & (1L << (signal - 1))) != 0) {
                            return true;
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return false;
    }

    /** Field 3 (state) of /proc/PID/task/TID/stat, '?' when gone. */
    static char threadState(int pid, int tid) {
        String[] f = statFields(pid, tid);
        return f == null ? '?' : f[2].charAt(0);
    }

    /** Field 39 (processor) of /proc/PID/task/TID/stat: the CPU the thread last ran on, -1 when gone. */
    static int lastCpu(int pid, int tid) {
        String[] f = statFields(pid, tid);
        return f == null || f.length < 39 ? -1 : Integer.parseInt(f[38]);
    }

    /** kernel.yama.ptrace_scope, when the Yama LSM is present. */
    static Optional<Integer> yamaPtraceScope() {
        try {
            return Optional.of(Integer.parseInt(Files.readString(Path.of("/proc/sys/kernel/yama/ptrace_scope")).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** stat fields, 1-based field N at index N-1; the command name (field 2) may hold spaces. */
    private static String[] statFields(int pid, int tid) {
        String s;
        try {
            s = Files.readString(Path.of("/proc", Integer.toString(pid), "task", Integer.toString(tid), "stat"));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
        int close = s.lastIndexOf(')');
        if (close < 0) {
            return null;
        }
        String[] rest = s.substring(close + 2).trim().split(" ");
        String[] fields = new String[rest.length + 2];
        fields[0] = s.substring(0, s.indexOf(' '));
        fields[1] = s.substring(s.indexOf('(') + 1, close);
        System.arraycopy(rest, 0, fields, 2, rest.length);
        return fields;
    }
}
