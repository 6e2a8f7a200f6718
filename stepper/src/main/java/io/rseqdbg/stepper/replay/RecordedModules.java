package io.rseqdbg.stepper.replay;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The modules a trace names ({@link TraceRecord.Module}), checked against the files on disk before
 * a replay starts: a replay of a changed binary is refused up front, rather than run to a
 * divergence that only says "a different module" somewhere.
 */
public final class RecordedModules {

    private final List<TraceRecord.Module> modules;

    private RecordedModules(List<TraceRecord.Module> modules) {
        this.modules = List.copyOf(modules);
    }

    /** Reads every module record of {@code trace} (one pass; the trace's own problems are {@link TraceException}s). */
    public static RecordedModules of(Path trace) throws IOException {
        List<TraceRecord.Module> found = new ArrayList<>();
        try (TraceReader reader = new TraceReader(trace)) {
            for (TraceRecord r; (r = reader.next()) != null; ) {
                if (r instanceof TraceRecord.Module m) {
                    found.add(m);
                }
            }
        }
        return new RecordedModules(found);
    }

    public List<TraceRecord.Module> modules() {
        return modules;
    }

    /** The first module whose file is gone or whose SHA-256 differs from the recorded one, said in one line. */
    public Optional<String> firstChanged() {
        for (TraceRecord.Module m : modules) {
            Path file = Path.of(m.path());
            if (!Files.isRegularFile(file)) {
                return Optional.of(m.path() + " is gone since the recording");
            }
            String now = sha256(file);
            if (!now.equals(m.sha256())) {
                return Optional.of(m.path() + " changed since the recording (SHA-256 " + abbreviated(now)
                        + ", recorded " + abbreviated(m.sha256()) + ")");
            }
        }
        return Optional.empty();
    }

    private static String abbreviated(String hex) {
        return hex.length() > 12 ? hex.substring(0, 12) + "..." : hex;
    }

    /** SHA-256 of a file, hex; "unreadable" when it cannot be read. */
    static String sha256(Path file) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        } catch (IOException e) {
            return "unreadable";
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
