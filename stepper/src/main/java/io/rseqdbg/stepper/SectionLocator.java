package io.rseqdbg.stepper;

import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.elf.LoadMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the critical section a thread's pc is in: first from the ELF tables of every module mapped
 * in the process (re-reading the map when the pc is in a mapping not seen before, which is how a
 * dlopen shows up), then, for code with no table, from the thread's live {@code rseq->rseq_cs}.
 */
final class SectionLocator {

    private static final int DESCRIPTOR_SIZE = 32;
    private static final long PAGE_MASK = ~0xfffL;

    private final Inferior inferior;
    private LoadMap map;
    /** Pages known to hold no ELF module (anonymous or JIT code): the map is not re-read for them. */
    private final Set<Long> pagesWithoutModule = new HashSet<>();
    private final Map<Long, CriticalSection> liveByDescriptor = new HashMap<>();
    private final List<StepListener> onReload;
    /** Entries of the slow paths known by name ({@link #SLOW_PATHS}) in modules that have sections. */
    private final Set<Long> slowPaths = new HashSet<>();

    /**
     * Functions that complete an operation without rseq: the 2017 proposal's {@code cpu_opv}, which
     * the bundled runtime implements in user space. Reaching one is progress for policy opv.
     */
    static final List<String> SLOW_PATHS = List.of("cpu_opv");

    SectionLocator(Inferior inferior, List<StepListener> onReload) {
        this.inferior = inferior;
        this.onReload = onReload;
        reload();
    }

    /** Re-reads {@code /proc/PID/maps}: after exec, or when code appears in a new mapping. */
    void reload() {
        try {
            map = inferior.loadMap();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the memory map of process " + inferior.pid(), e);
        }
        pagesWithoutModule.clear();
        liveByDescriptor.clear();
        slowPaths.clear();
        for (LoadMap.Module m : map.modules()) {
            if (!m.criticalSections().isEmpty()) {
                for (String name : SLOW_PATHS) {
                    m.tables().symbolAddress(name).ifPresent(a -> slowPaths.add(a + m.bias()));
                }
            }
        }
    }

    /** True when {@code pc} is the first instruction of a known slow path (see {@link #SLOW_PATHS}). */
    boolean isSlowPath(long pc) {
        return slowPaths.contains(pc);
    }

    LoadMap map() {
        return map;
    }

    /** The critical section holding {@code pc} for thread {@code tid}, or null. */
    CriticalSection at(int tid, long pc) {
        CriticalSection cs = map.containing(pc).orElse(null);
        if (cs != null) {
            return cs;
        }
        if (map.moduleAt(pc).isEmpty() && pagesWithoutModule.add(pc & PAGE_MASK)) {
            reload();
            pagesWithoutModule.add(pc & PAGE_MASK);
            cs = map.containing(pc).orElse(null);
            if (cs != null) {
                return cs;
            }
        }
        return live(tid, pc);
    }

    /** From the thread's {@code rseq_cs} field, for critical sections no table declares. */
    private CriticalSection live(int tid, long pc) {
        if (!inferior.mayHaveStored(tid) && map.moduleAt(pc).isPresent()) {
            // Entering a section takes a store to rseq_cs; the kernel only ever clears it. A thread
            // that stepped an instruction storing nothing has not entered one: spare the read.
            // Only in file-backed code, whose bytes the tracer's code cache can trust (not JIT).
            return null;
        }
        long descriptor = inferior.rseqCs(tid);
        if (descriptor == 0) {
            return null;
        }
        CriticalSection cs = liveByDescriptor.get(descriptor);
        if (cs == null) {
            cs = readDescriptor(descriptor);
            if (cs == null) {
                return null;
            }
            liveByDescriptor.put(descriptor, cs);
        }
        return cs.contains(pc) ? cs : null;
    }

    private CriticalSection readDescriptor(long address) {
        byte[] raw;
        try {
            raw = inferior.read(address, DESCRIPTOR_SIZE);
        } catch (RuntimeException e) {
            return null; // a stale or garbage pointer: the kernel would kill the program, not our business here
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int version = b.getInt(0);
        int flags = b.getInt(4);
        long start = b.getLong(8);
        long offset = b.getLong(16);
        long abort = b.getLong(24);
        return SectionRules.live(address, version, flags, start, offset, abort, nameOf(start));
    }

    /** {@code symbol+offset}, {@code module+0xaddress} for code without a symbol, else the bare address. */
    String nameOf(long address) {
        return map.nameOf(address);
    }

    /**
     * True when the module holding {@code cs} declares its exits (it has an exit-point array), so
     * breakpoints at post-commit, abort and the exits catch every way out of the section.
     */
    boolean exitsDeclared(CriticalSection cs) {
        return SectionRules.exitsDeclared(cs, map.moduleAt(cs.start()).map(LoadMap.Module::tables).orElse(null));
    }
}
