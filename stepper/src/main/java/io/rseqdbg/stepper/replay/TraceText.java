package io.rseqdbg.stepper.replay;

import io.rseqdbg.elf.RseqTables;
import io.rseqdbg.stepper.TraceWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Trace records in the words of {@code step --trace} ({@code enter}, {@code committed},
 * {@code signal}, {@code thread-start parent=}, ...), code addresses as {@code symbol+offset}
 * where the recorded module is still readable, else {@code module+0xOFFSET}.
 */
public final class TraceText {

    private final Map<Integer, String> paths = new HashMap<>();
    private final Map<Integer, RseqTables> tables = new HashMap<>();

    /** Remembers a module record, so that later addresses in it can be named. */
    public void module(TraceRecord.Module m) {
        paths.put(m.index(), m.path());
    }

    public String name(int module, long offset) {
        if (module == 0) {
            return "0x" + Long.toHexString(offset);
        }
        String path = paths.get(module);
        if (path == null) {
            return "module" + module + "+0x" + Long.toHexString(offset);
        }
        RseqTables t = tables.computeIfAbsent(module, m -> {
            try {
                return RseqTables.read(Path.of(path));
            } catch (Exception e) {
                return null; // gone or changed since the recording: fall back to the offset
            }
        });
        String symbol = t == null ? null : t.symbolOf(offset);
        return symbol != null ? symbol : fileName(path, module) + "+0x" + Long.toHexString(offset);
    }

    /** The last part of a recorded path; a damaged one (a NUL byte) is named by its module index. */
    private static String fileName(String path, int module) {
        try {
            Path name = Path.of(path).getFileName();
            return name == null ? "module" + module : name.toString();
        } catch (InvalidPathException e) {
            return "module" + module;
        }
    }

    /** " stored=ARG:HEX,..." for the bytes an answered call stored (the first 16 of each). */
    private static String stored(java.util.List<io.rseqdbg.stepper.SyscallAnswer.Output> outputs) {
        StringBuilder s = new StringBuilder();
        for (var o : outputs) {
            byte[] b = o.bytes();
            s.append(s.isEmpty() ? " stored=" : ",").append("arg").append(o.arg()).append(':')
                    .append(java.util.HexFormat.of().formatHex(b, 0, Math.min(16, b.length)))
                    .append(b.length > 16 ? "...(" + b.length + " bytes)" : "");
        }
        return s.toString();
    }

    /** One line: {@code thread count what}, tab-separated (thread and count "-" where none). */
    public String line(TraceRecord r) {
        if (r instanceof TraceRecord.Module m) {
            module(m);
            return "-\t-\tmodule " + m.index() + " " + m.path() + " sha256=" + m.sha256() + " tables=" + m.tablesDigest();
        } else if (r instanceof TraceRecord.ThreadStart t) {
            return t.thread() + "\t" + t.count() + "\tthread-start parent=" + t.parent();
        } else if (r instanceof TraceRecord.ThreadExit t) {
            return t.thread() + "\t" + t.count() + "\tthread-exit";
        } else if (r instanceof TraceRecord.Enter e) {
            return e.thread() + "\t" + e.count() + "\tenter " + name(e.module(), e.offset()) + " cpu=" + e.cpu();
        } else if (r instanceof TraceRecord.Leave l) {
            return l.thread() + "\t" + l.count() + "\t" + l.outcome().word() + " " + name(l.module(), l.offset())
                    + " at " + name(l.module(), l.pcOffset());
        } else if (r instanceof TraceRecord.Signal s) {
            return s.thread() + "\t" + s.count() + "\tsignal " + s.signal();
        } else if (r instanceof TraceRecord.Syscall c) {
            return c.thread() + "\t" + c.count() + "\t" + TraceWriter.syscallWords(c.number(), c.result(), c.args())
                    + stored(c.outputs());
        } else if (r instanceof TraceRecord.Slice s) {
            return s.thread() + "\t-\tslice " + s.instructions() + (s.blocked() ? " blocked" : "")
                    + (s.exited() ? " exited" : "") + " next=" + s.next();
        } else if (r instanceof TraceRecord.Exit e) {
            return "-\t-\texit status=" + e.status() + (e.signal() != 0 ? " signal=" + e.signal() : "");
        } else if (r instanceof TraceRecord.Header h) {
            return "-\t-\theader version=" + h.formatVersion();
        }
        return String.valueOf(r);
    }
}
