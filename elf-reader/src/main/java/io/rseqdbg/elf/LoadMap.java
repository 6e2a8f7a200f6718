package io.rseqdbg.elf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The ELF modules mapped into a live process, each with its load bias and its critical sections
 * at run-time addresses, from {@code /proc/PID/maps}. Read it on attach and again whenever new
 * mappings appear (dlopen); unchanged files come from the {@link TableCache}.
 */
public final class LoadMap {

    /**
     * One mapped ELF file.
     *
     * @param file             the path the process mapped
     * @param bias             run-time address minus link-time address (0 for ET_EXEC)
     * @param low              lowest mapped address of the file
     * @param high             end of the highest mapping of the file
     * @param tables           the file's tables at link-time addresses
     * @param criticalSections the same critical sections moved by {@code bias}
     */
    public record Module(Path file, long bias, long low, long high, RseqTables tables,
                         List<CriticalSection> criticalSections) {

        public boolean maps(long address) {
            return Long.compareUnsigned(address, low) >= 0 && Long.compareUnsigned(address, high) < 0;
        }

        /**
         * {@code symbol+offset} for a run-time address in this module, or {@code module+0xADDRESS}
         * with the link-time address where no symbol holds it (what {@code addr2line} wants).
         */
        public String nameOf(long address) {
            long linkTime = address - bias;
            String name = tables.symbolOf(linkTime);
            return name != null ? name : file.getFileName() + "+0x" + Long.toHexString(linkTime);
        }
    }

    /** A mapped file that looked like ELF but could not be read; the map still lists it. */
    public record Unreadable(Path file, String problem) {
    }

    private final long pid;
    private final List<Module> modules;
    private final List<Unreadable> unreadable;
    private final CriticalSectionIndex index;
    /** The modules ascending by their lowest address, for {@link #moduleAt} on every traced instruction. */
    private final Module[] byLow;

    private LoadMap(long pid, List<Module> modules, List<Unreadable> unreadable) {
        this.pid = pid;
        this.modules = List.copyOf(modules);
        this.byLow = modules.stream().sorted((a, b) -> Long.compareUnsigned(a.low(), b.low())).toArray(Module[]::new);
        this.unreadable = List.copyOf(unreadable);
        List<CriticalSection> all = new ArrayList<>();
        modules.forEach(m -> all.addAll(m.criticalSections()));
        this.index = new CriticalSectionIndex(all);
    }

    /** The load map of process {@code pid}, tables from the shared cache. */
    public static LoadMap read(long pid) throws IOException {
        return read(pid, TableCache.shared());
    }

    public static LoadMap read(long pid, TableCache cache) throws IOException {
        Path proc = ProcessDirectory.of(pid);
        List<ProcMaps.Mapping> mappings = ProcMaps.parse(Files.readAllLines(proc.resolve("maps")));
        Map<String, List<ProcMaps.Mapping>> byFile = new LinkedHashMap<>();
        for (ProcMaps.Mapping m : mappings) {
            if (m.inode() != 0 && m.path().startsWith("/")) {
                byFile.computeIfAbsent(m.path(), k -> new ArrayList<>()).add(m);
            }
        }
        List<Module> modules = new ArrayList<>();
        List<Unreadable> unreadable = new ArrayList<>();
        for (List<ProcMaps.Mapping> group : byFile.values()) {
            ProcMaps.Mapping first = group.stream().min((a, b) -> Long.compareUnsigned(a.offset(), b.offset())).orElseThrow();
            Path file = Path.of(first.path());
            try {
                RseqTables tables = cache.read(openable(proc, file, first), identity(first, file, proc));
                long bias = bias(tables, first);
                long low = group.stream().mapToLong(ProcMaps.Mapping::start).min().orElseThrow();
                long high = group.stream().mapToLong(ProcMaps.Mapping::end).max().orElseThrow();
                List<CriticalSection> moved = tables.criticalSections().stream().map(cs -> cs.relocated(bias)).toList();
                modules.add(new Module(file, bias, low, high, tables, moved));
            } catch (ElfReadException e) {
                if (!e.notElf()) {
                    unreadable.add(new Unreadable(file, e.problem()));
                }
            }
        }
        return new LoadMap(pid, modules, unreadable);
    }

    /**
     * The file to read: the mapped path when it is still the mapped file; else the process's own
     * handle on it (the file was replaced or deleted since it was mapped).
     */
    private static Path openable(Path proc, Path file, ProcMaps.Mapping m) {
        try {
            if ((Long) Files.getAttribute(file, "unix:ino") == m.inode()) {
                return file;
            }
        } catch (IOException | RuntimeException e) {
            // fall through to map_files
        }
        return proc.resolve("map_files").resolve(Long.toHexString(m.start()) + "-" + Long.toHexString(m.end()));
    }

    private static TableCache.FileIdentity identity(ProcMaps.Mapping m, Path file, Path proc) throws ElfReadException {
        TableCache.FileIdentity stat;
        try {
            stat = TableCache.identity(openable(proc, file, m));
        } catch (ElfReadException e) {
            throw new ElfReadException(file, e.problem());
        }
        return new TableCache.FileIdentity(m.device(), m.inode(), stat.modifiedNanos(), stat.size());
    }

    /**
     * The mapping of file offset {@code o} at address {@code s} comes from the PT_LOAD segment that
     * starts in that page: its byte at file offset {@code p_offset} is at link-time {@code p_vaddr},
     * so file offset {@code o} is at link-time {@code p_vaddr - (p_offset - o)}.
     */
    static long bias(RseqTables tables, ProcMaps.Mapping m) {
        ElfImage.Segment from = null;
        for (ElfImage.Segment s : tables.loadSegments()) {
            boolean startsByThisPage = Long.compareUnsigned(s.offset() & ~0xfffL, m.offset()) <= 0;
            if (from == null || startsByThisPage && Long.compareUnsigned(s.offset(), from.offset()) > 0) {
                from = s;
            }
        }
        return from == null ? 0 : m.start() - (from.address() - (from.offset() - m.offset()));
    }

    public long pid() {
        return pid;
    }

    public List<Module> modules() {
        return modules;
    }

    public List<Unreadable> unreadable() {
        return unreadable;
    }

    public Optional<Module> moduleAt(long address) {
        return Optional.ofNullable(module(address));
    }

    /**
     * The name of a run-time address of the process, for traces: {@code symbol+offset} (decimal
     * offset, like {@link CriticalSection#name()}) from the module's {@code .symtab} or
     * {@code .dynsym}; {@code module+0xADDRESS} (the link-time address) in a module where no
     * symbol holds it; the bare {@code 0x} address outside every module (anonymous or JIT code,
     * the vdso). Symbols are read once per file and kept in the {@link TableCache}.
     */
    public String nameOf(long address) {
        Module m = module(address);
        return m != null ? m.nameOf(address) : "0x" + Long.toHexString(address);
    }

    /** The critical section, at run-time addresses, whose {@code [start, postCommit)} holds {@code pc}. */
    public Optional<CriticalSection> containing(long pc) {
        return index.containing(pc);
    }

    /** Binary search for the last module starting at or below the address, then back (mappings may interleave). */
    private Module module(long address) {
        int lo = 0;
        int hi = byLow.length - 1;
        int last = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(byLow[mid].low(), address) <= 0) {
                last = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        for (int i = last; i >= 0; i--) {
            if (byLow[i].maps(address)) {
                return byLow[i];
            }
        }
        return null;
    }

    /** Modules in this map that {@code earlier} did not have (e.g. after a dlopen). */
    public List<Module> addedSince(LoadMap earlier) {
        return modules.stream()
                .filter(m -> earlier.modules.stream().noneMatch(e -> e.file().equals(m.file()) && e.bias() == m.bias()))
                .toList();
    }
}
