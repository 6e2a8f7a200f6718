package io.rseqdbg.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.ptrace.internal.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code io.rseqdbg.ptrace.internal} is internal: not exported, and imported by no other module. */
class ModuleTest {
    private static final String INTERNAL = "io.rseqdbg.ptrace.internal";

    @Test
    void onlyTheApiPackageIsExported() throws Exception {
        ModuleDescriptor module = Tracer.class.getModule().getDescriptor();
        if (module == null) { // run on the class path: read the descriptor beside the classes
            Path classes = Path.of(Tracer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
                module = ModuleDescriptor.read(in);
            }
        }
        assertEquals("io.rseqdbg.ptrace", module.name());
        Set<String> exported = module.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        assertEquals(Set.of("io.rseqdbg.ptrace"), exported);
        assertTrue(module.opens().isEmpty(), "opens: " + module.opens());
    }

    /** Loads the JNA bindings (direct mapping) where this test runs: inside the module when surefire runs on the module path. */
    @Test
    void theBindingsLoadWithoutOpeningThePackage() {
        Tracer.preload();
        assertTrue(Syscalls.gettid() > 0);
        assertEquals(ProcessHandle.current().pid(), Syscalls.getpid());
    }

    /**
     * The other modules see this one on the class path, where module-info is not enforced: no
     * source of theirs may import the internal package.
     */
    @Test
    void noOtherModuleImportsTheInternalPackage() throws IOException {
        Path here = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        Path root = here.getParent();
        assertTrue(Files.isDirectory(root.resolve("stepper/src")), "the other modules are not beside " + here);
        List<Path> offenders = new ArrayList<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path src : modules.map(m -> m.resolve("src")).filter(Files::isDirectory).collect(Collectors.toList())) {
                if (src.startsWith(here)) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(src)) {
                    files.filter(p -> p.toString().endsWith(".java")).filter(ModuleTest::mentionsInternal).forEach(offenders::add);
                }
            }
        }
        assertEquals(List.of(), offenders, INTERNAL + " is internal to ptrace-agent");
    }

    private static boolean mentionsInternal(Path p) {
        try {
            return Files.readString(p).contains(INTERNAL);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
