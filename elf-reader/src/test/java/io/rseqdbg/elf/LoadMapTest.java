package io.rseqdbg.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.elf.Specimens.Build;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live processes: the run-time addresses the load map computes against the addresses the
 * specimen prints about itself.
 */
class LoadMapTest {

    @TempDir
    Path dir;

    /** A running specimen that printed one line and waits for stdin to close. */
    private record Running(Process process, BufferedReader out, OutputStream in) implements AutoCloseable {

        static Running start(String... command) throws Exception {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            return new Running(p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)),
                    p.getOutputStream());
        }

        long printedAddress(String label) throws Exception {
            String line = out.readLine();
            assertTrue(line != null && line.startsWith(label + " 0x"), "specimen printed: " + line);
            return Long.parseUnsignedLong(line.substring(label.length() + 3), 16);
        }

        @Override
        public void close() throws Exception {
            in.close();
            process.waitFor();
        }
    }

    @Test
    void aPieProcessHasItsCriticalSectionsAtRunTimeAddresses() throws Exception {
        Path program = Build.X86_64_PIE.path();
        try (Running r = Running.start(program.toString(), "wait")) {
            long runtimeStart = r.printedAddress("cs_add_start");
            LoadMap map = LoadMap.read(r.process().pid());

            LoadMap.Module module = map.modules().stream().filter(m -> m.file().equals(program)).findFirst().orElseThrow();
            long linkStart = Readelf.symbol(program, "cs_add_start");
            assertEquals(runtimeStart - linkStart, module.bias());
            assertNotEquals(0, module.bias(), "a PIE loads at a bias");
            CriticalSection cs = map.containing(runtimeStart).orElseThrow();
            assertEquals(runtimeStart, cs.start());
            assertEquals(Readelf.symbol(program, "cs_add_abort") + module.bias(), cs.abort());
            assertEquals(List.of(Readelf.symbol(program, "cs_add_exit") + module.bias()), cs.exits());
            assertTrue(map.moduleAt(runtimeStart).orElseThrow().file().equals(program));
        }
    }

    @Test
    void aNonPieProcessHasBiasZero() throws Exception {
        Path program = Build.X86_64_EXEC.path();
        try (Running r = Running.start(program.toString(), "wait")) {
            long runtimeStart = r.printedAddress("cs_add_start");
            LoadMap map = LoadMap.read(r.process().pid());
            LoadMap.Module module = map.modules().stream().filter(m -> m.file().equals(program)).findFirst().orElseThrow();
            assertEquals(0, module.bias());
            assertEquals(Readelf.symbol(program, "cs_add_start"), runtimeStart);
            assertEquals(runtimeStart, map.containing(runtimeStart).orElseThrow().start());
        }
    }

    @Test
    void everyMappedElfFileIsAModuleIncludingLibc() throws Exception {
        try (Running r = Running.start(Build.X86_64_PIE.path().toString(), "wait")) {
            r.printedAddress("cs_add_start");
            LoadMap map = LoadMap.read(r.process().pid());
            List<String> names = map.modules().stream().map(m -> m.file().getFileName().toString()).toList();
            assertTrue(names.contains("libc.so.6"), names.toString());
            assertTrue(names.stream().anyMatch(n -> n.startsWith("ld-linux")), names.toString());
            assertEquals(List.of(), map.unreadable());
        }
    }

    @Test
    void aLibraryLoadedWithDlopenAppearsInTheNextLoadMap() throws Exception {
        Path library = Build.X86_64_SHARED.path();
        try (Running r = Running.start(Specimens.dlopener().toString(), library.toString())) {
            assertEquals("ready", r.out().readLine());
            LoadMap before = LoadMap.read(r.process().pid());
            assertTrue(before.modules().stream().noneMatch(m -> m.file().equals(library)));

            r.in().write("go\n".getBytes(StandardCharsets.UTF_8));
            r.in().flush();
            long runtimeStart = r.printedAddress("cs_add_start");
            LoadMap after = LoadMap.read(r.process().pid());

            List<LoadMap.Module> added = after.addedSince(before);
            assertEquals(List.of(library), added.stream().map(LoadMap.Module::file).toList());
            assertEquals(runtimeStart, after.containing(runtimeStart).orElseThrow().start());
            assertEquals(runtimeStart - Readelf.symbol(library, "cs_add_start"), added.get(0).bias());
        }
    }

    @Test
    void theCacheReadsOneFileIdentityOnceAndARebuiltFileAgain() throws Exception {
        Path copy = Files.copy(Build.X86_64_PIE.path(), dir.resolve("program"), StandardCopyOption.COPY_ATTRIBUTES);
        TableCache cache = new TableCache(8);
        RseqTables first = cache.read(copy);
        assertSame(first, cache.read(copy));
        Files.setLastModifiedTime(copy, FileTime.fromMillis(Files.getLastModifiedTime(copy).toMillis() + 5000));
        RseqTables rebuilt = cache.read(copy);
        assertTrue(first != rebuilt, "a new modification time is a new identity");
        assertEquals(first.criticalSections(), rebuilt.criticalSections());
    }

    @Test
    void theProcessMapParserKeepsPathsWithSpacesAndDropsTheDeletedMark() {
        ProcMaps.Mapping m = ProcMaps.parse(
                "7f00a000-7f00b000 r-xp 00001000 fd:01 1234   /tmp/a dir/lib x.so (deleted)");
        assertEquals(0x7f00a000L, m.start());
        assertEquals(0x1000L, m.offset());
        assertEquals("fd:01", m.device());
        assertEquals(1234, m.inode());
        assertEquals("/tmp/a dir/lib x.so", m.path());
    }
}
