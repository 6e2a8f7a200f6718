package io.rseqdbg.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A named input of a fuzz target. This package holds what the fuzz targets of elf-reader and
 * stepper share: stepper's tests have elf-reader's test jar (a module of its own for a few
 * helpers would outweigh them).
 */
public record FuzzInput(String name, byte[] bytes) {

    @Override
    public String toString() {
        return name + " (" + bytes.length + " bytes)";
    }

    /** Writes {@code bytes} (a failing input, as its fuzz target reads it) where it can be kept as a regression input. */
    public static Path keep(String name, byte[] bytes) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "fuzz-failures"));
            return Files.write(dir.resolve(Integer.toHexString(name.hashCode())), bytes).toAbsolutePath();
        } catch (IOException e) {
            return Path.of("(not written: " + e.getMessage() + ")");
        }
    }
}
