package io.rseqdbg.ptrace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Why the kernel refused to let this process trace another (EPERM), from what /proc shows of both:
 * Yama's scope, the two users, and the capabilities the target holds that this process lacks.
 * Only facts read here go into the message; "another user's process" is said only when it is one.
 */
final class PtraceRefusal {

    /** CAP_SYS_PTRACE: lets a tracer past the user and capability checks in its own user namespace. */
    static final int CAP_SYS_PTRACE = 19;
    private static final String[] CAPABILITY_NAMES = {"chown", "dac_override", "dac_read_search", "fowner",
            "fsetid", "kill", "setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast",
            "net_admin", "net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace",
            "sys_pacct", "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
            "lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
            "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore"};

    private PtraceRefusal() {
    }

    /** The reasons, most decisive first, as one phrase. */
    static String explain(int pid) {
        Optional<Integer> scope = ProcFs.yamaPtraceScope().filter(s -> s > 0);
        if (scope.isPresent()) {
            int s = scope.get();
            return "kernel.yama.ptrace_scope is " + s + (s >= 3 ? " (no process may be traced until reboot)"
                    : "; run as root, give rseqdbg CAP_SYS_PTRACE, or set it to 0");
        }
        Optional<List<String>> target = statusLines(Integer.toString(pid));
        Optional<List<String>> self = statusLines("self");
        if (target.isEmpty() || self.isEmpty()) {
            return "tracing another user's process needs root or CAP_SYS_PTRACE";
        }
        long ours = capabilities(self.get(), "CapEff:");
        boolean ptraceCapable = (ours & (1L << CAP_SYS_PTRACE)) != 0;
        List<String> reasons = new ArrayList<>();
        String targetUid = field(target.get(), "Uid:");
        String ourUid = field(self.get(), "Uid:");
        if (!targetUid.equals(ourUid) && !ptraceCapable) {
            reasons.add("it runs as uid " + targetUid + ", rseqdbg as uid " + ourUid + " without CAP_SYS_PTRACE");
        }
        long lacking = capabilities(target.get(), "CapPrm:") & ~ours;
        if (lacking != 0) {
            reasons.add("it holds capabilities rseqdbg lacks (" + names(lacking) + ")"
                    + (ptraceCapable ? "" : " and rseqdbg has no CAP_SYS_PTRACE to override that"));
        }
        if (ptraceCapable && !namespaceReadable(pid)) {
            reasons.add("rseqdbg's CAP_SYS_PTRACE does not reach it (its user namespace, /proc/" + pid
                    + "/ns/user, is closed to rseqdbg)");
        }
        if (reasons.isEmpty()) {
            return "the kernel or a security module refuses (same user, no capability rseqdbg lacks, no Yama"
                    + " restriction seen in /proc)";
        }
        return String.join("; ", reasons);
    }

    private static Optional<List<String>> statusLines(String pid) {
        try {
            return Optional.of(Files.readAllLines(Path.of("/proc", pid, "status")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String field(List<String> lines, String name) {
        for (String line : lines) {
            if (line.startsWith(name)) {
                return line.substring(name.length()).trim().split("\\s+")[0]; // the real id
            }
        }
        return "?";
    }

    private static long capabilities(List<String> lines, String name) {
        try {
            return Long.parseUnsignedLong(field(lines, name), 16);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String names(long capabilities) {
        List<String> names = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((capabilities & (1L << bit)) != 0) {
                names.add(bit < CAPABILITY_NAMES.length ? "cap_" + CAPABILITY_NAMES[bit] : "capability " + bit);
            }
        }
        return String.join(", ", names);
    }

    private static boolean namespaceReadable(int pid) {
        try {
            Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid), "ns", "user"));
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
