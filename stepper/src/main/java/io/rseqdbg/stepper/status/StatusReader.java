package io.rseqdbg.stepper.status;

import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.elf.LoadMap;
import io.rseqdbg.ptrace.Arch;
import io.rseqdbg.ptrace.Registers;
import io.rseqdbg.ptrace.RseqConfiguration;
import io.rseqdbg.ptrace.TraceException;
import io.rseqdbg.ptrace.Tracer;
import io.rseqdbg.stepper.status.ProcessStatus.Area;
import io.rseqdbg.stepper.status.ProcessStatus.Glibc;
import io.rseqdbg.stepper.status.ProcessStatus.Inside;
import io.rseqdbg.stepper.status.ProcessStatus.KernelMode;
import io.rseqdbg.stepper.status.ProcessStatus.ModuleStatus;
import io.rseqdbg.stepper.status.ProcessStatus.Owner;
import io.rseqdbg.stepper.status.ProcessStatus.ThreadStatus;
import io.rseqdbg.stepper.status.ProcessStatus.TracedBy;
import io.rseqdbg.stepper.status.ProcessStatus.Unreadable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads a live process's rseq state: attach, read every thread, detach (the threads are stopped
 * only while their registers and a few small blocks of memory are read; the ELF tables are read
 * before); or, when another tracer has the process, /proc alone, naming what could not be seen.
 */
public final class StatusReader {

    /** The original ABI's area: cpu_id_start, cpu_id, rseq_cs, flags, padding. */
    static final int ORIGINAL_SIZE = 32;
    static final int NODE_ID = 20;
    static final int MM_CID = 24;
    private static final int DESCRIPTOR_SIZE = 32;
    /** A symbol only the bundled runtime defines (tests/src/main/c/runtime/rseq-thread.c). */
    static final String RUNTIME_MARKER = "rseqdbg_own_area";

    private final int pid;
    private String executable;
    private LoadMap map;
    private boolean is64 = true;
    private List<LoadMap.Module> runtimeModules;

    private StatusReader(int pid) {
        this.pid = pid;
    }

    /**
     * The status of process {@code requested} (a thread id means its process).
     *
     * @throws StatusException when it does not exist, has exited (also while being read), or cannot
     *     be traced; the message is one line
     */
    public static ProcessStatus read(int requested) {
        Map<String, String> st = ProcView.status(requested);
        if (st.isEmpty()) {
            throw new StatusException("status " + requested + ": no such process");
        }
        int pid = ProcView.number(st, "Tgid", requested);
        try {
            return new StatusReader(pid).read(st);
        } catch (RuntimeException e) {
            if (ProcView.gone(pid)) {
                throw new StatusException("status " + pid + ": the process exited while being read");
            }
            if (e instanceof StatusException s) {
                throw s;
            }
            if (e instanceof TraceException) {
                throw new StatusException("status: " + e.getMessage()); // the tracer's one line, /proc and yama consulted
            }
            throw e;
        }
    }

    private ProcessStatus read(Map<String, String> st) {
        if (ProcView.exited(st)) {
            throw new StatusException("status " + pid + ": the process has exited (a zombie)");
        }
        TracedBy tracedBy = tracer(ProcView.number(st, "TracerPid", 0));
        executable = ProcView.executable(pid);
        String command = ProcView.comm(pid, pid);
        // The tables first, while the program runs: the stop below reads only a few words.
        map = loadMap();
        map.modules().stream().filter(m -> m.file().toString().equals(executable)).findFirst()
                .ifPresent(m -> is64 = m.tables().is64());
        List<String> unseen = new ArrayList<>();
        Map<Integer, Seen> seen;
        double stoppedMillis = 0;
        Glibc glibc;
        if (tracedBy == null) {
            Snapshot snap = attachAndRead(); // refuses kernel threads, rseqdbg itself, others' processes
            stoppedMillis = (snap.resumed - snap.attaching) / 1e6;
            seen = snap.threads;
            glibc = snap.glibc;
        } else {
            seen = fromProc();
            glibc = glibcFromProc(unseen);
            unseen.add("rseq areas, cpu_id, mm_cid and rseq_cs: reading them needs PTRACE_GET_RSEQ_CONFIGURATION, "
                    + "which only the tracer may ask (" + tracedBy.command() + ", process " + tracedBy.pid() + ")");
            if (seen.values().stream().anyMatch(s -> s.pc == null)) {
                unseen.add("the pc of running threads (/proc shows it only for stopped or blocked ones)");
            }
            unseen.add("critical sections without a table (known only from rseq_cs)");
        }
        if (seen.values().stream().anyMatch(s -> s.pc != null && map.moduleAt(s.pc).isEmpty())) {
            map = loadMap(); // code in a mapping not seen before the stop: a dlopen meanwhile
        }
        int featureSize = ProcView.rseqFeatureSize(pid, is64);
        String kernel = ProcView.kernelRelease();
        List<ThreadStatus> threads = new ArrayList<>();
        for (Seen s : seen.values()) {
            threads.add(thread(s, glibc, featureSize, kernel));
        }
        List<ModuleStatus> modules = new ArrayList<>();
        int without = 0;
        for (LoadMap.Module m : map.modules()) {
            if (m.criticalSections().isEmpty() && m.tables().problems().isEmpty()) {
                without++;
            } else {
                modules.add(new ModuleStatus(m.file().toString(), m.bias(), m.tables().architecture().displayName(),
                        m.criticalSections().size(), m.tables().problems()));
            }
        }
        List<Unreadable> unreadable = map.unreadable().stream()
                .map(u -> new Unreadable(u.file().toString(), u.problem())).toList();
        return new ProcessStatus(pid, command, executable, kernel, tracedBy, tracedBy == null,
                stoppedMillis, featureSize, glibc, threads, modules, without, unreadable, unseen);
    }

    private LoadMap loadMap() {
        try {
            return LoadMap.read(pid);
        } catch (IOException e) {
            if (ProcView.gone(pid)) {
                throw new StatusException("status " + pid + ": the process exited while being read");
            }
            if (e instanceof java.nio.file.AccessDeniedException) {
                // Readable maps take the permission of ptrace: let the tracer say why it is refused.
                try (Tracer t = Tracer.attach(pid)) {
                    // permitted after all: the map was refused for another reason
                } catch (TraceException refused) {
                    throw new StatusException("status: " + refused.getMessage());
                }
            }
            throw new StatusException("status " + pid + ": cannot read its memory map (" + e.getMessage() + ")");
        }
    }

    private static TracedBy tracer(int tracerTid) {
        if (tracerTid == 0) {
            return null;
        }
        Map<String, String> t = ProcView.status(tracerTid);
        int process = ProcView.number(t, "Tgid", tracerTid);
        return new TracedBy(process, tracerTid, ProcView.comm(process, process));
    }

    // ------------------------------------------------------------------ reading

    /** What was read of one thread (under ptrace or from /proc). */
    private static final class Seen {
        final int tid;
        Long pc;
        Long fsBase;
        RseqConfiguration config;
        byte[] area;
        byte[] descriptor;
        /** i386: the word at area - __rseq_offset is the TCB's self pointer (glibc's area). */
        Boolean tcbAtOffset;
        boolean areaSeen;

        Seen(int tid) {
            this.tid = tid;
        }
    }

    /** From just before the attach (no thread stopped yet) to just after the detach (all resumed). */
    private record Snapshot(Map<Integer, Seen> threads, Glibc glibc, long attaching, long resumed) {
    }

    /** Where glibc's {@code __rseq_offset} and {@code __rseq_size} are, at run-time addresses. */
    private record GlibcSymbols(String module, long offsetAt, long sizeAt) {
    }

    private Optional<GlibcSymbols> glibcSymbols() {
        List<LoadMap.Module> candidates = new ArrayList<>();
        for (LoadMap.Module m : map.modules()) {
            String name = m.file().getFileName().toString();
            if (m.file().toString().equals(executable)) {
                // Static programs carry glibc; dynamic ones may hold a copy (R_X86_64_COPY) the loader writes.
                candidates.add(0, m);
            } else if (name.startsWith("ld-") || name.startsWith("ld.so") || name.startsWith("libc.so")) {
                candidates.add(m);
            }
        }
        for (LoadMap.Module m : candidates) {
            OptionalLong offset = m.tables().symbolAddress("__rseq_offset");
            OptionalLong size = m.tables().symbolAddress("__rseq_size");
            if (offset.isPresent() && size.isPresent()) {
                return Optional.of(new GlibcSymbols(m.file().getFileName().toString(),
                        offset.getAsLong() + m.bias(), size.getAsLong() + m.bias()));
            }
        }
        return Optional.empty();
    }

    private Glibc glibc(GlibcSymbols at, byte[] offset, byte[] size) {
        ByteBuffer o = ByteBuffer.wrap(offset).order(ByteOrder.LITTLE_ENDIAN);
        long off = is64 ? o.getLong(0) : o.getInt(0);
        long sz = ByteBuffer.wrap(size).order(ByteOrder.LITTLE_ENDIAN).getInt(0) & 0xffffffffL;
        return new Glibc(at.module(), off, sz);
    }

    private Snapshot attachAndRead() {
        Optional<GlibcSymbols> symbols = glibcSymbols();
        Tracer.preload();
        Tracer tracer = Tracer.attach(pid);
        long read = System.nanoTime();
        Map<Integer, Seen> threads;
        Glibc[] glibc = new Glibc[1];
        long detach;
        try {
            // One hand-over to the tracer thread for every read: the threads wait for no scheduler.
            threads = tracer.call(() -> readAll(tracer, symbols, glibc));
        } finally {
            detach = System.nanoTime();
            tracer.close();
        }
        long resumed = System.nanoTime();
        if (System.getenv("RSEQDBG_DEBUG") != null) {
            System.err.printf("rseqdbg status: seize to stopped %.2f ms, read %.2f ms, detach %.2f ms%n",
                    (read - tracer.attachStartNanos()) / 1e6, (detach - read) / 1e6, (resumed - detach) / 1e6);
        }
        if (threads.isEmpty()) {
            throw new StatusException("status " + pid + ": the process exited while being read");
        }
        return new Snapshot(threads, glibc[0], tracer.attachStartNanos(), resumed);
    }

    /** On the tracer thread, every thread stopped: registers, rseq registration and area, glibc's words. */
    private Map<Integer, Seen> readAll(Tracer tracer, Optional<GlibcSymbols> symbols, Glibc[] glibc) {
        Map<Integer, Seen> threads = new LinkedHashMap<>();
        List<Integer> tids = new ArrayList<>(tracer.threads(pid));
        tids.sort(null);
        if (symbols.isPresent() && !tids.isEmpty()) {
            GlibcSymbols g = symbols.get();
            try {
                glibc[0] = glibc(g, tracer.readMemory(tids.get(0), g.offsetAt(), is64 ? 8 : 4),
                        tracer.readMemory(tids.get(0), g.sizeAt(), 4));
            } catch (TraceException e) {
                glibc[0] = null; // unreadable: areas are then named by where they lie
            }
        }
        for (int tid : tids) {
            Seen s = new Seen(tid);
            try {
                readThread(tracer, s, glibc[0]);
            } catch (TraceException e) {
                if (Tracer.threadGone(pid, tid)) {
                    continue; // it exited while we read: no longer part of the process
                }
                throw e;
            }
            threads.put(tid, s);
        }
        return threads;
    }

    private void readThread(Tracer tracer, Seen s, Glibc glibc) {
        Registers regs = tracer.getRegisters(s.tid);
        s.pc = regs.pc();
        if (regs.arch() == Arch.X86_64) {
            s.fsBase = regs.get("fs_base");
        }
        s.config = tracer.rseqConfiguration(s.tid);
        s.areaSeen = true;
        if (!s.config.registered()) {
            return;
        }
        s.area = tracer.readMemory(s.tid, s.config.address(), Math.max(ORIGINAL_SIZE, s.config.size()));
        long cs = ByteBuffer.wrap(s.area).order(ByteOrder.LITTLE_ENDIAN).getLong(8);
        if (cs != 0) {
            try {
                s.descriptor = tracer.readMemory(s.tid, cs, DESCRIPTOR_SIZE);
            } catch (TraceException e) {
                s.descriptor = null; // a dangling pointer: the kernel kills the thread for it, we only report
            }
        }
        if (s.fsBase == null && glibc != null && glibc.registers()) {
            long tp = s.config.address() - glibc.offset();
            try {
                ByteBuffer w = ByteBuffer.wrap(tracer.readMemory(s.tid, tp, 4)).order(ByteOrder.LITTLE_ENDIAN);
                s.tcbAtOffset = (w.getInt(0) & 0xffffffffL) == (tp & 0xffffffffL);
            } catch (TraceException e) {
                s.tcbAtOffset = false;
            }
        }
    }

    private Map<Integer, Seen> fromProc() {
        Map<Integer, Seen> threads = new LinkedHashMap<>();
        for (int tid : ProcView.tasks(pid)) {
            Seen s = new Seen(tid);
            s.pc = ProcView.stoppedPc(pid, tid).orElse(null);
            threads.put(tid, s);
        }
        if (threads.isEmpty()) {
            throw new StatusException("status " + pid + ": the process exited while being read");
        }
        return threads;
    }

    private Glibc glibcFromProc(List<String> unseen) {
        Optional<GlibcSymbols> symbols = glibcSymbols();
        if (symbols.isEmpty()) {
            return null;
        }
        GlibcSymbols g = symbols.get();
        try {
            return glibc(g, ProcView.memory(pid, g.offsetAt(), is64 ? 8 : 4), ProcView.memory(pid, g.sizeAt(), 4));
        } catch (IOException e) {
            unseen.add("glibc's __rseq_offset and __rseq_size (/proc/" + pid + "/mem: " + e.getMessage() + ")");
            return null;
        }
    }

    // ------------------------------------------------------------------ interpreting

    private ThreadStatus thread(Seen s, Glibc glibc, int featureSize, String kernel) {
        Map<String, String> ts = ProcView.threadStatus(pid, s.tid);
        String state = ts.getOrDefault("State", "?");
        String affinity = ts.getOrDefault("Cpus_allowed_list", "?");
        String pcName = s.pc == null ? null : map.nameOf(s.pc);
        Area area = null;
        Inside inside = null;
        if (s.pc != null) {
            Optional<CriticalSection> cs = map.containing(s.pc);
            if (cs.isPresent()) {
                CriticalSection c = cs.get();
                inside = new Inside(c.name(), c.start(), c.postCommit(), c.abort(), "table");
            }
        }
        String atAbortOf = null;
        if (s.pc != null && inside == null) {
            long pc = s.pc;
            atAbortOf = map.modules().stream().flatMap(m -> m.criticalSections().stream())
                    .filter(c -> c.abort() == pc).map(CriticalSection::name).findFirst().orElse(null);
        }
        if (s.area != null) {
            ByteBuffer b = ByteBuffer.wrap(s.area).order(ByteOrder.LITTLE_ENDIAN);
            int size = s.config.size();
            long rseqCs = b.getLong(8);
            String rseqCsName = null;
            if (s.descriptor != null) {
                ByteBuffer d = ByteBuffer.wrap(s.descriptor).order(ByteOrder.LITTLE_ENDIAN);
                long start = d.getLong(8);
                long postCommit = start + d.getLong(16);
                rseqCsName = map.nameOf(start);
                if (inside == null && s.pc != null && Long.compareUnsigned(s.pc - start, postCommit - start) < 0) {
                    inside = new Inside(rseqCsName, start, postCommit, d.getLong(24), "rseq_cs");
                }
            }
            Integer nodeId = featureSize >= NODE_ID + 4 && size >= NODE_ID + 4 ? b.getInt(NODE_ID) : null;
            Integer mmCid = featureSize >= MM_CID + 4 && size >= MM_CID + 4 ? b.getInt(MM_CID) : null;
            int flags = b.getInt(16);
            area = new Area(s.config.address(), size, s.config.signature(), s.config.flags(), b.getInt(0), b.getInt(4),
                    rseqCs, rseqCsName, flags, nodeId, mmCid, owner(s, glibc), kernelMode(size, flags, kernel));
        }
        return new ThreadStatus(s.tid, ProcView.comm(pid, s.tid), state.isEmpty() ? '?' : state.charAt(0), affinity,
                ProcView.lastCpu(pid, s.tid), s.pc, pcName, area, s.areaSeen, inside, atAbortOf);
    }

    private Owner owner(Seen s, Glibc glibc) {
        long address = s.config.address();
        if (glibc != null && glibc.registers()) {
            boolean atTp = s.fsBase != null ? address == s.fsBase + glibc.offset() : Boolean.TRUE.equals(s.tcbAtOffset);
            if (atTp) {
                return new Owner("glibc", "thread pointer " + sign(glibc.offset()) + " __rseq_offset, in the thread's TLS ("
                        + glibc.module() + ", __rseq_size " + glibc.size() + ")");
            }
        }
        Optional<LoadMap.Module> module = map.moduleAt(address);
        if (module.isPresent()) {
            LoadMap.Module m = module.get();
            String kind = runtimeModules().contains(m) ? "runtime" : "library";
            return new Owner(kind, m.nameOf(address) + " in " + m.file());
        }
        String mapping = ProcView.mappingOf(pid, address).map(n -> n.isEmpty() ? "anonymous memory" : n).orElse("unmapped memory");
        String notGlibc = glibc == null ? "glibc registers none here (no __rseq_offset)"
                : !glibc.registers() ? "glibc registered none: __rseq_size is 0"
                : "not glibc's area (thread pointer " + sign(glibc.offset()) + " __rseq_offset)";
        if (!runtimeModules().isEmpty()) {
            return new Owner("runtime", "the rseqdbg runtime's own thread-local area, in " + mapping + "; " + notGlibc);
        }
        return new Owner("unknown", "thread-local or heap memory (" + mapping + "); " + notGlibc);
    }

    /** The modules that hold the bundled runtime (looked up once: a scan of each module's symbols). */
    private List<LoadMap.Module> runtimeModules() {
        if (runtimeModules == null) {
            runtimeModules = map.modules().stream()
                    .filter(m -> m.tables().symbolAddress(RUNTIME_MARKER).isPresent()).toList();
        }
        return runtimeModules;
    }

    private static String sign(long offset) {
        return offset < 0 ? "- " + -offset : "+ " + offset;
    }

    /** What a stop inside a critical section does to this thread, from the area size, its flags and the kernel. */
    static KernelMode kernelMode(int size, int flags, String kernel) {
        if (flags != 0) {
            return new KernelMode("kill", String.format("the area's flags are 0x%x: the kernel refuses them (deprecated"
                    + " RSEQ_CS_FLAG_NO_RESTART_*, refused since Linux 6.0) and kills the thread with SIGSEGV when it"
                    + " is interrupted inside a critical section", flags));
        }
        boolean reworked = atLeast(kernel, 6, 19);
        if (size > ORIGINAL_SIZE && reworked) {
            return new KernelMode("not-single-step", "an extended " + size + "-byte area on Linux " + kernel
                    + " (reworked rseq, 6.19+): a single-step trap inside a critical section may not abort it;"
                    + " a signal, preemption or migration does");
        }
        String area = size > ORIGINAL_SIZE ? "a " + size + "-byte area on Linux " + kernel + " (before the 6.19 rework)"
                : "the original 32-byte area";
        return new KernelMode("every-stop", area + ": every stop inside a critical section (a ptrace stop for a"
                + " breakpoint, single-step or attach; a signal; preemption; migration) aborts it when the thread resumes");
    }

    static boolean atLeast(String release, int major, int minor) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        if (!m.find()) {
            return false;
        }
        int a = Integer.parseInt(m.group(1));
        int b = Integer.parseInt(m.group(2));
        return a > major || a == major && b >= minor;
    }
}
