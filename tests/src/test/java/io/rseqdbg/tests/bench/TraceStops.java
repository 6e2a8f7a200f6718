package io.rseqdbg.tests.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads a {@code rseqdbg step --trace} file for the ptrace stops spent on one critical section,
 * counting — beside the stepper's own {@code stops=} — the signal-delivery stops that arrived
 * while a thread was inside it, which the summary's stopsPerPass leaves out.
 */
final class TraceStops {

    private TraceStops() {
    }

    /** Mean stops per pass through {@code section} (its {@code symbol+offset} name); 0 when never met. */
    static double perPass(Path trace, String section) {
        Set<String> inside = new HashSet<>();
        long stops = 0;
        long passes = 0;
        try (Stream<String> lines = Files.lines(trace)) {
            for (String line : (Iterable<String>) lines::iterator) {
                String[] f = line.split("\t", 4);
                if (f.length < 4) {
                    continue;
                }
                String tid = f[0];
                String[] event = f[3].split(" ");
                if (event[0].equals("enter") && event[1].equals(section)) {
                    inside.add(tid);
                } else if (event[0].equals("signal") && inside.contains(tid)) {
                    stops++;
                } else if (event.length == 3 && event[1].equals(section) && event[2].startsWith("stops=")) {
                    inside.remove(tid);
                    stops += Long.parseLong(event[2].substring("stops=".length()));
                    passes++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return passes == 0 ? 0 : (double) stops / passes;
    }
}
