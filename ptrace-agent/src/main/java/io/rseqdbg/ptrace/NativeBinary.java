package io.rseqdbg.ptrace;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

/**
 * The programs ptrace-agent/src/main/c builds into the jar (rseqdbg-launcher, rseqdbg-tracer): in
 * place when running from classes, else extracted from the jar once per JVM.
 */
final class NativeBinary {
    private static final Map<String, Path> FOUND = new HashMap<>();

    private NativeBinary() {
    }

    /** The binary {@code name}; {@code request} names the failure. */
    static synchronized Path path(String name, String request) {
        Path known = FOUND.get(name);
        if (known != null) {
            return known;
        }
        String resource = "/io/rseqdbg/ptrace/native/" + name;
        URL url = NativeBinary.class.getResource(resource);
        if (url == null) {
            throw new TraceException(request, 0, 0, request + ": " + name + " is missing from the classpath ("
                    + resource + "); build ptrace-agent with make");
        }
        try {
            if (url.getProtocol().equals("file")) {
                Path p = Path.of(url.toURI());
                if (Files.isExecutable(p)) {
                    FOUND.put(name, p);
                    return p;
                }
            }
            // Under its own name in a private directory: ps and /proc's comm then say what it is.
            Path dir = Files.createTempDirectory("rseqdbg-");
            dir.toFile().deleteOnExit();
            Path tmp = dir.resolve(name);
            try (InputStream in = url.openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
            tmp.toFile().deleteOnExit();
            FOUND.put(name, tmp);
            return tmp;
        } catch (IOException | URISyntaxException e) {
            throw new TraceException(request, 0, 0, request + ": cannot extract " + name + ": " + e.getMessage());
        }
    }
}
