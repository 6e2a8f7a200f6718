package io.rseqdbg.elf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Real ELF files for the tests, built at test time from src/test/resources/specimens by the
 * installed compilers and linkers (tests/setup-toolchains.sh installs them), once per build.
 */
final class Specimens {

    static final Path SOURCES = Path.of("src/test/resources/specimens").toAbsolutePath();
    static final Path OUT = Path.of("target/specimens").toAbsolutePath();

    /** Builds of tables.c: PIE/non-PIE/static/shared, i386, aarch64, lld, packed RELR, legacy, no exits. */
    enum Build {
        X86_64_PIE("gcc", "-O1", "-o", "@", "tables.c"),
        X86_64_EXEC("gcc", "-no-pie", "-o", "@", "tables.c"),
        X86_64_STATIC("gcc", "-static", "-o", "@", "tables.c"),
        X86_64_STATIC_PIE("gcc", "-static-pie", "-o", "@", "tables.c"),
        X86_64_SHARED("gcc", "-shared", "-fPIC", "-DLIBRARY", "-o", "@", "tables.c"),
        X86_64_LLD("gcc", "-fuse-ld=lld", "-o", "@", "tables.c"),
        X86_64_LLD_RELR("gcc", "-fuse-ld=lld", "-Wl,--pack-dyn-relocs=relr", "-o", "@", "tables.c"),
        X86_64_RELR("gcc", "-Wl,-z,pack-relative-relocs", "-o", "@", "tables.c"),
        X86_64_LEGACY("gcc", "-DLEGACY", "-o", "@", "tables.c"),
        X86_64_NO_EXIT_POINTS("gcc", "-DNO_EXIT_POINTS", "-o", "@", "tables.c"),
        I386_PIE("gcc", "-m32", "-I", "%inc", "-o", "@", "tables.c"),
        I386_EXEC("gcc", "-m32", "-no-pie", "-I", "%inc", "-o", "@", "tables.c"),
        I386_SHARED_LLD("gcc", "-m32", "-I", "%inc", "-shared", "-fPIC", "-DLIBRARY", "-fuse-ld=lld", "-o", "@", "tables.c"),
        AARCH64_PIE("aarch64-linux-gnu-gcc", "-o", "@", "tables.c"),
        AARCH64_STATIC("aarch64-linux-gnu-gcc", "-static", "-o", "@", "tables.c"),
        S390X_EXEC("s390x-linux-gnu", "exec"),
        S390X_PIE("s390x-linux-gnu", "pie"),
        PPC_EXEC("powerpc-linux-gnu", "exec"),
        PPC_PIE("powerpc-linux-gnu", "pie");

        final List<String> command;

        Build(String... command) {
            this.command = List.of(command);
        }

        boolean bigEndian() {
            return name().startsWith("S390X") || name().startsWith("PPC");
        }

        /** Legacy and big-endian builds have no descriptor outside __rseq_cs (cs_far). */
        List<String> criticalSections() {
            return this == X86_64_LEGACY || this == X86_64_NO_EXIT_POINTS || bigEndian()
                    ? List.of("cs_add", "cs_inc") : List.of("cs_add", "cs_inc", "cs_far");
        }

        boolean hasExitPoints() {
            return this != X86_64_LEGACY && this != X86_64_NO_EXIT_POINTS;
        }

        Path path() {
            return build(name().toLowerCase(), this::make);
        }

        private void make(Path out) {
            if (bigEndian()) {
                String tools = command.get(0);
                String source = name().startsWith("PPC") ? "ppc.S" : "s390x.S";
                Path asm = OUT.resolve(name().toLowerCase() + ".s");
                Path object = OUT.resolve(name().toLowerCase() + ".o");
                // cpp joins each macro onto one line; the assembler wants its ';' as line breaks.
                String text = run(List.of("gcc", "-E", "-P", "-x", "assembler-with-cpp", SOURCES.resolve(source).toString()));
                write(asm, text.replace(";", "\n"));
                run(List.of(tools + "-as", "-o", object.toString(), asm.toString()));
                List<String> link = new ArrayList<>(List.of(tools + "-ld", "-o", out.toString()));
                if (command.get(1).equals("pie")) {
                    link.addAll(List.of("-pie", "--no-dynamic-linker"));
                }
                link.add(object.toString());
                run(link);
                return;
            }
            run(expand(command, out));
        }
    }

    /** bad.c with one defect each: the defect names match {@link Problem.Kind#id()}. */
    static Path bad(String defect) {
        return build("bad-" + defect, out -> run(List.of("gcc", "-DDEFECT_" + defect.replace('-', '_'), "-I",
                SOURCES.toString(), "-o", out.toString(), SOURCES.resolve("bad.c").toString())));
    }

    /** unnamed.c: an abort handler in a section without symbols, after a function and a label. */
    static Path unnamed() {
        return build("unnamed", out -> run(List.of("gcc", "-o", out.toString(), SOURCES.resolve("unnamed.c").toString())));
    }

    /** symbolic.c as a shared library: table words under symbol relocations (x86-64 RELA, or i386 REL with -m32). */
    static Path symbolic(boolean i386) {
        List<String> command = new ArrayList<>(List.of("gcc", "-shared", "-fPIC", "-I", SOURCES.toString()));
        if (i386) {
            command.addAll(List.of("-m32", "-I", asmIncludeDir().toString()));
        }
        return build(i386 ? "symbolic-i386.so" : "symbolic.so", out -> {
            List<String> full = new ArrayList<>(command);
            full.addAll(List.of("-o", out.toString(), SOURCES.resolve("symbolic.c").toString()));
            run(full);
        });
    }

    /** A program that dlopens argv[1] when told to, for the live load-map test. */
    static Path dlopener() {
        return build("dlopener", out -> run(List.of("gcc", "-o", out.toString(),
                SOURCES.resolve("dlopener.c").toString(), "-ldl")));
    }

    private static final Map<String, Path> BUILT = new ConcurrentHashMap<>();

    private interface Maker {
        void make(Path out);
    }

    private static Path build(String name, Maker maker) {
        return BUILT.computeIfAbsent(name, n -> {
            Path out = OUT.resolve(n);
            try {
                Files.createDirectories(OUT);
                if (!upToDate(out)) {
                    maker.make(out);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return out;
        });
    }

    private static boolean upToDate(Path out) throws IOException {
        if (!Files.exists(out)) {
            return false;
        }
        long built = Files.getLastModifiedTime(out).toMillis();
        try (var sources = Files.list(SOURCES)) {
            return sources.allMatch(s -> {
                try {
                    return Files.getLastModifiedTime(s).toMillis() < built;
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }

    private static List<String> expand(List<String> command, Path out) {
        List<String> words = new ArrayList<>();
        for (String w : command) {
            if (w.equals("@")) {
                words.add(out.toString());
            } else if (w.equals("%inc")) {
                words.add(asmIncludeDir().toString());
            } else if (w.endsWith(".c")) {
                words.add(SOURCES.resolve(w).toString());
            } else {
                words.add(w);
            }
        }
        return words;
    }

    /** gcc -m32 without the gcc-multilib package needs an include dir with asm -> the x86-64 asm headers. */
    private static Path asmIncludeDir() {
        Path dir = OUT.resolve("m32-include");
        Path link = dir.resolve("asm");
        try {
            Files.createDirectories(dir);
            if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, Path.of("/usr/include/x86_64-linux-gnu/asm"));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return dir;
    }

    static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Specimens() {
    }
}
