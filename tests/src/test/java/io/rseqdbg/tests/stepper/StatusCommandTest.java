package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.elf.LoadMap;
import io.rseqdbg.elf.RseqTables;
import io.rseqdbg.ptrace.TraceEvent;
import io.rseqdbg.ptrace.Tracer;
import io.rseqdbg.tests.support.Json;
import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rseqdbg status --pid}: real programs, running while they are looked at. Every test checks
 * the facts against what the test can see itself (/proc, the ELF tables, the process's memory),
 * and that the program goes on and ends with its own ok line, its checks passed.
 */
@Timeout(300)
class StatusCommandTest {

    /** Per thread: enough to outlast a few JVM start-ups on a busy machine (about 3 s alone here). */
    private static final long OPS = 500_000_000L;
    private static final int RSEQ_SIG = 0x53053053;

    @TempDir
    Path dir;

    @Test
    void multiThreadedCounterWithGlibcsRegistration() throws Exception {
        Running p = Running.start(dir.resolve("out"), Map.of(), Targets.path("counter").toString(), "2", Long.toString(2 * OPS));
        p.awaitThreads(3);
        List<Integer> tids = p.tasks();
        Run text = status(p.pid);
        Map<String, Object> s = json(statusJson(p.pid));
        p.assertUntouched();

        assertEquals((long) p.pid, s.get("pid"));
        assertEquals("counter", s.get("command"));
        assertNull(s.get("tracedBy"));
        assertEquals(true, s.get("attached"));
        assertTrue(((List<?>) s.get("unseen")).isEmpty(), s.toString());
        Map<String, Object> glibc = map(s.get("glibc"));
        assertTrue((Long) glibc.get("rseqSize") > 0, glibc.toString());
        long rseqOffset = (Long) glibc.get("rseqOffset");
        List<Map<String, Object>> threads = list(s.get("threads"));
        assertEquals(tids, threads.stream().map(t -> ((Long) t.get("tid")).intValue()).toList());
        for (Map<String, Object> t : threads) {
            Map<String, Object> rseq = map(t.get("rseq"));
            assertEquals("glibc", rseq.get("registeredBy"), t.toString());
            assertArea(rseq, threads.size());
            // glibc's area is at the thread pointer + __rseq_offset, and a TCB starts with its own address.
            long address = hex(rseq.get("address"));
            long tp = address - rseqOffset;
            assertEquals(tp, word(p.pid, tp), "the word at the thread pointer of " + t);
            assertTrue(mappingOf(p.pid, address).matches("rw-p( \\[heap\\]| \\[stack\\])?"), mappingOf(p.pid, address));
            assertEquals(Files.readString(Path.of("/proc", Integer.toString(p.pid), "task", t.get("tid").toString(), "status"))
                    .lines().filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst().orElseThrow()
                    .replaceFirst(".*:\\s*", ""), t.get("affinity"));
        }
        assertModule(s, "counter");
        assertTrue(text.stdout().contains("thread " + p.pid + " (counter)"), text.describe());
        assertTrue(text.stdout().contains("glibc"), text.describe());
        assertTrue(text.stdout().contains("counter (x86-64, bias 0x"), text.describe());
        assertTrue(text.stdout().contains("8 critical sections, no problems"), text.describe());
        assertTrue(text.stdout().contains("every-stop (every thread)"), text.describe());
        p.assertFinishesOk(4 * OPS, "glibc");
    }

    @Test
    void theRuntimesOwnRegistrationWhenGlibcRegistersNone() throws Exception {
        Running p = Running.start(dir.resolve("out"), Map.of("GLIBC_TUNABLES", "glibc.pthread.rseq=0"),
                Targets.path("counter").toString(), "2", Long.toString(OPS));
        p.awaitThreads(3);
        Map<String, Object> s = json(statusJson(p.pid));
        p.assertUntouched();
        assertEquals(0L, map(s.get("glibc")).get("rseqSize"));
        List<Map<String, Object>> threads = list(s.get("threads"));
        int workers = 0;
        for (Map<String, Object> t : threads) {
            if (t.get("rseq") == null) {
                continue; // the main thread registers only if it ran a section
            }
            Map<String, Object> rseq = map(t.get("rseq"));
            assertEquals("runtime", rseq.get("registeredBy"), t.toString());
            assertArea(rseq, threads.size());
            workers += (Long) t.get("tid") != p.pid ? 1 : 0;
        }
        assertEquals(2, workers, s.toString());
        assertModule(s, "counter");
        p.assertFinishesOk(2 * OPS, "own");
    }

    @Test
    void aSharedLibrarysSectionsAreCountedUnderItsName() throws Exception {
        Running p = Running.start(dir.resolve("out"), Map.of(), Targets.path("counter-dlopen").toString(), "2", Long.toString(OPS));
        p.awaitThreads(3);
        Map<String, Object> s = json(statusJson(p.pid));
        p.assertUntouched();
        assertModule(s, "libpercpu.so");
        p.assertFinishesOk(2 * OPS, "glibc");
    }

    @Test
    void i386() throws Exception {
        Run probe = Targets.target("counter-i386").args("1", "1").run();
        assumeTrue(probe.exitCode() == 0, "i386 programs do not run on this machine: " + probe.describe());
        Running p = Running.start(dir.resolve("out"), Map.of(), Targets.path("counter-i386").toString(), "2", Long.toString(OPS / 4));
        p.awaitThreads(3);
        Map<String, Object> s = json(statusJson(p.pid));
        p.assertUntouched();
        for (Map<String, Object> t : list(s.get("threads"))) {
            Map<String, Object> rseq = map(t.get("rseq"));
            assertEquals("glibc", rseq.get("registeredBy"), t.toString());
            assertArea(rseq, 3);
        }
        Map<String, Object> module = assertModule(s, "counter-i386");
        assertEquals("i386", module.get("architecture"));
        p.assertFinishesOk(2 * (OPS / 4), "glibc");
    }

    /**
     * The test's own tracer holds the process with one thread stopped inside a critical section
     * (single-stepped there): status must not attach, must say who traces it, read /proc alone,
     * say what it could not see, and still find the section from the thread's pc.
     */
    @Test
    void aProcessTracedByAnotherIsReadFromProcAndItsThreadInsideASectionIsNamed() throws Exception {
        Running p = Running.start(dir.resolve("out"), Map.of(), Targets.path("counter").toString(), "2", Long.toString(OPS));
        p.awaitThreads(3);
        CriticalSection inside = null;
        int stepped = -1;
        Map<String, Object> s;
        // Held by this JVM's own thread, so that the tracer status names is this test's process.
        try (Tracer tracer = Tracer.attach(p.pid, Tracer.Holder.JVM)) {
            LoadMap map = LoadMap.read(p.pid);
            stepped = tracer.threads(p.pid).stream().filter(t -> t != p.pid).findFirst().orElseThrow();
            for (int i = 0; i < 1_000_000 && inside == null; i++) {
                tracer.singleStep(stepped);
                TraceEvent e = tracer.waitEvent();
                assertEquals(stepped, e.tid(), e.toString());
                inside = map.containing(tracer.pc(stepped)).orElse(null);
            }
            assertNotNull(inside, "single-stepping never entered a critical section");
            Run run = Rseqdbg.launch("status", "--json", "--pid", Integer.toString(p.pid)).run().requireExit(0);
            s = json(run);
            Run text = status(p.pid);
            assertTrue(text.stdout().contains("traced by process " + ProcessHandle.current().pid() + " (java"), text.describe());
            assertTrue(text.stdout().contains("INSIDE critical section " + inside.name()), text.describe());
            assertTrue(text.stdout().contains("not seen:"), text.describe());
        }
        Map<String, Object> by = map(s.get("tracedBy"));
        assertEquals(ProcessHandle.current().pid(), by.get("pid"));
        assertEquals("java", by.get("command"));
        assertEquals(false, s.get("attached"));
        assertFalse(((List<?>) s.get("unseen")).isEmpty());
        boolean found = false;
        for (Map<String, Object> t : list(s.get("threads"))) {
            assertEquals(false, t.get("areaSeen"));
            assertNull(t.get("rseq"));
            if ((Long) t.get("tid") == stepped) {
                found = true;
                Map<String, Object> in = map(t.get("inside"));
                assertEquals(inside.name(), in.get("name"), t.toString());
                assertEquals(inside.start(), hex(in.get("start")));
                assertEquals("table", in.get("from"));
            }
        }
        assertTrue(found, s.toString());
        assertModule(s, "counter");
        // Detached, the stepped thread's section aborts and retries: the count is still exact.
        p.assertUntouched();
        p.assertFinishesOk(2 * OPS, "glibc");
    }

    /**
     * Threads of signal-storm spend nearly all their time inside a long critical section: the
     * attach catches one there (pc inside) or just after the stop aborted it (pc at the abort
     * handler). Either way status names the section; the program's count stays exact.
     */
    @Test
    void aThreadCaughtInsideALongSectionIsNamed() throws Exception {
        // 2 threads x 1000 ops spinning 2 ms inside the section each; a signal a second.
        Running p = Running.start(dir.resolve("out"), Map.of(), Targets.path("signal-storm").toString(),
                "2", "1000", "2000", "1000000");
        p.awaitThreads(3);
        String seen = null;
        for (int attempt = 0; attempt < 8 && seen == null; attempt++) {
            Map<String, Object> s = json(statusJson(p.pid));
            p.assertUntouched();
            for (Map<String, Object> t : list(s.get("threads"))) {
                if (t.get("inside") != null) {
                    Map<String, Object> in = map(t.get("inside"));
                    assertEquals("table", in.get("from"));
                    assertTrue(((String) t.get("pcName")).startsWith("percpu_counter_add_spin+"), t.toString());
                    // The live descriptor agrees with the table.
                    assertEquals(in.get("name"), map(t.get("rseq")).get("rseqCsName"), t.toString());
                    seen = (String) in.get("name");
                } else if (t.get("atAbortOf") != null) {
                    seen = (String) t.get("atAbortOf");
                }
            }
        }
        assertNotNull(seen, "no status caught a thread in or just out of a section");
        assertTrue(seen.startsWith("percpu_counter_add_spin+"), seen);
        p.assertFinishesOk(2000, "glibc");
    }

    @Test
    void aProgramWithoutSectionsShowsGlibcsAreaAndNoModules() throws Exception {
        Running p = Running.start(dir.resolve("out"), Map.of(), "sleep", "60");
        try {
            p.awaitThreads(1);
            Map<String, Object> s = json(statusJson(p.pid));
            p.assertUntouched();
            assertTrue(list(s.get("modules")).isEmpty(), s.toString());
            assertTrue((Long) s.get("modulesWithoutTables") >= 1, s.toString());
            Map<String, Object> t = list(s.get("threads")).get(0);
            assertEquals("glibc", map(t.get("rseq")).get("registeredBy"));
            assertNull(t.get("inside"));
            assertTrue(p.alive(), "sleep must still be sleeping");
        } finally {
            ProcessHandle.of(p.pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** Threads start and exit all the time: status reads the ones there, and the program's checks pass. */
    @Test
    void threadsComingAndGoingWhileBeingRead() throws Exception {
        Running p = Running.start(dir.resolve("out"), Map.of(), Targets.path("thread-churn").toString(), "12000", "4");
        p.awaitThreads(2);
        int read = 0;
        for (int i = 0; i < 3 && p.alive(); i++) {
            Run run = Rseqdbg.launch("status", "--json", "--pid", Integer.toString(p.pid)).run();
            if (run.exitCode() == 2 && !p.alive()) {
                assertOneLineError(run, Integer.toString(p.pid)); // it ended while being read
                break;
            }
            Map<String, Object> s = json(run.requireExit(0));
            assertFalse(list(s.get("threads")).isEmpty(), s.toString());
            p.assertUntouched();
            read++;
        }
        assertTrue(read > 0, "the program ended before status could read it once");
        long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (p.alive() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertEquals("thread-churn ok rounds=12000 threads=4", p.output().trim());
    }

    /** A program that ends while status reads it: a report, or one line and exit 2; never a trace. */
    @Test
    void aProcessThatExitsWhileBeingReadIsOneLine() throws Exception {
        for (int i = 0; i < 4; i++) {
            Running p = Running.start(dir.resolve("out" + i), Map.of(), Targets.path("thread-churn").toString(), "300", "2");
            Run run = Rseqdbg.launch("status", "--pid", Integer.toString(p.pid)).run();
            if (run.exitCode() != 0) {
                assertOneLineError(run, Integer.toString(p.pid));
            }
            assertFalse(run.stderr().contains("Exception"), run.describe());
        }
    }

    /** Another user's process: the tracer's own explanation, in one line. */
    @Test
    void aProcessItMayNotTraceIsOneLineAndExitTwo() throws Exception {
        List<String> asNobody = new ArrayList<>(List.of("--reuid=65534", "--regid=65534", "--clear-groups"));
        asNobody.addAll(Rseqdbg.commandLine("--version"));
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv"))
                && Targets.command("/usr/bin/setpriv", asNobody.toArray(String[]::new)).run().exitCode() == 0,
                "needs root, setpriv and a jar the user nobody can read");
        Running p = Running.start(dir.resolve("out"), Map.of(), "sleep", "60");
        try {
            p.awaitThreads(1);
            asNobody = new ArrayList<>(asNobody.subList(0, 3));
            asNobody.addAll(Rseqdbg.commandLine("status", "--pid", Integer.toString(p.pid)));
            Run run = Targets.command("/usr/bin/setpriv", asNobody.toArray(String[]::new)).run();
            assertOneLineError(run, "not permitted");
            assertTrue(p.alive());
        } finally {
            ProcessHandle.of(p.pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void aGonePidIsOneLineAndExitTwo() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Run run = Rseqdbg.launch("status", "--pid", Long.toString(gone.pid())).run();
        assertOneLineError(run, gone.pid() + ": no such process");
    }

    @Test
    void aKernelThreadIsRefusedInOneLine() {
        assertOneLineError(Rseqdbg.launch("status", "--pid", "2").run(), "kernel thread");
    }

    @Test
    void badUsageIsOneLineAndExitTwo() {
        assertOneLineError(Rseqdbg.launch("status", "--pid", "abc").run(), "--pid");
        assertOneLineError(Rseqdbg.launch("status").run(), "--pid");
    }

    // ------------------------------------------------------------------ helpers

    private static void assertArea(Map<String, Object> rseq, int threads) throws IOException {
        int cpus = possibleCpus();
        long cpu = (Long) rseq.get("cpuId");
        assertTrue(cpu >= 0 && cpu < cpus, "cpu_id " + cpu + " of " + cpus + ": " + rseq);
        long start = (Long) rseq.get("cpuIdStart");
        assertTrue(start >= 0 && start < cpus, rseq.toString());
        assertEquals(32L, rseq.get("size"));
        assertEquals(String.format("0x%08x", RSEQ_SIG), rseq.get("signature"));
        assertEquals(0L, rseq.get("flags"));
        assertEquals("every-stop", rseq.get("kernelMode"), "a 32-byte area on this kernel: " + rseq);
        if (rseq.get("mmCid") != null) {
            long cid = (Long) rseq.get("mmCid");
            assertTrue(cid >= 0 && cid < Math.max(cpus, threads), rseq.toString());
        }
        assertTrue(((String) rseq.get("where")).length() > 0);
    }

    /** The module named {@code name} lists as many sections as the ELF reader (what {@code table} prints). */
    private static Map<String, Object> assertModule(Map<String, Object> s, String name) throws Exception {
        Path file = Targets.path(name).toRealPath();
        for (Map<String, Object> m : list(s.get("modules"))) {
            if (Path.of((String) m.get("file")).toRealPath().equals(file)) {
                assertEquals((long) RseqTables.read(file).criticalSections().size(), m.get("criticalSections"), m.toString());
                assertTrue(list(m.get("problems")).isEmpty(), m.toString());
                return m;
            }
        }
        throw new AssertionError("no module " + file + " in " + s.get("modules"));
    }

    private static Run status(int pid) {
        return Rseqdbg.launch("status", "--pid", Integer.toString(pid)).run().requireExit(0);
    }

    private static Run statusJson(int pid) {
        return Rseqdbg.launch("status", "--json", "--pid", Integer.toString(pid)).run().requireExit(0);
    }

    private static Map<String, Object> json(Run run) {
        List<String> lines = run.stdout().lines().toList();
        assertEquals(1, lines.size(), "one line of JSON: " + run.describe());
        return Json.object(lines.get(0));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertNotNull(o);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        assertNotNull(o);
        return (List<Map<String, Object>>) o;
    }

    private static long hex(Object o) {
        String s = (String) o;
        assertTrue(s.startsWith("0x"), s);
        return Long.parseUnsignedLong(s.substring(2), 16);
    }

    private static void assertOneLineError(Run run, String mentioned) {
        run.requireExit(2);
        List<String> lines = run.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), run.describe());
        assertTrue(lines.get(0).contains(mentioned), run.describe());
        assertFalse(run.stderr().contains("Exception"), run.describe());
        assertTrue(run.stdout().isEmpty(), run.describe());
    }

    private static int possibleCpus() throws IOException {
        String possible = Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim();
        String last = possible.substring(possible.lastIndexOf(possible.contains("-") ? '-' : ',') + 1);
        return Integer.parseInt(last.isEmpty() ? possible : last) + 1;
    }

    /** An 8-byte word of the process's memory, read straight from /proc/PID/mem. */
    private static long word(int pid, long address) throws IOException {
        try (RandomAccessFile mem = new RandomAccessFile("/proc/" + pid + "/mem", "r")) {
            byte[] b = new byte[8];
            mem.seek(address);
            mem.readFully(b);
            return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }
    }

    /** "PERMS [NAME]" of the /proc/PID/maps line holding the address. */
    private static String mappingOf(int pid, long address) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "maps"))) {
            String[] f = line.trim().split("\\s+", 6);
            String[] range = f[0].split("-");
            if (Long.compareUnsigned(address, Long.parseUnsignedLong(range[0], 16)) >= 0
                    && Long.compareUnsigned(address, Long.parseUnsignedLong(range[1], 16)) < 0) {
                return f[1] + (f.length == 6 ? " " + f[5] : "");
            }
        }
        return "unmapped";
    }

    /**
     * A program started through a shell so that it is not this JVM's child (the JDK's reaper must
     * not take the stops of the test's own tracer), its output going to a file.
     */
    private record Running(int pid, Path out) {

        static Running start(Path out, Map<String, String> env, String... command) throws IOException, InterruptedException {
            List<String> sh = new ArrayList<>(List.of("sh", "-c", "exec \"$@\" > \"$0\" 2>&1 & echo $!", out.toString()));
            sh.addAll(List.of(command));
            ProcessBuilder builder = new ProcessBuilder(sh).redirectErrorStream(true);
            builder.environment().putAll(env);
            Process shell = builder.start();
            String pid = new String(shell.getInputStream().readAllBytes()).trim();
            shell.waitFor();
            return new Running(Integer.parseInt(pid), out);
        }

        Path proc() {
            return Path.of("/proc", Integer.toString(pid));
        }

        boolean alive() {
            try {
                return !Files.readString(proc().resolve("stat")).matches(".*\\) [ZX] .*\\s*");
            } catch (IOException e) {
                return false;
            }
        }

        List<Integer> tasks() {
            try (var d = Files.list(proc().resolve("task"))) {
                return d.map(t -> Integer.parseInt(t.getFileName().toString())).sorted().toList();
            } catch (IOException e) {
                return List.of();
            }
        }

        /** Waits until the program runs {@code count} threads (its workers started). */
        void awaitThreads(int count) throws InterruptedException {
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (tasks().size() < count) {
                if (System.nanoTime() > end || !alive()) {
                    throw new AssertionError("process " + pid + " never ran " + count + " threads: " + output());
                }
                Thread.sleep(5);
            }
        }

        /** Right after status: nobody traces it, no thread stopped, no signal pending. */
        void assertUntouched() throws IOException {
            if (!alive()) {
                return; // finished already: assertFinishesOk judges it
            }
            for (int tid : tasks()) {
                Path status = proc().resolve("task").resolve(Integer.toString(tid)).resolve("status");
                List<String> lines;
                try {
                    lines = Files.readAllLines(status);
                } catch (IOException e) {
                    continue; // exited meanwhile
                }
                for (String line : lines) {
                    String value = line.replaceFirst("^[^:]*:\\s*", "");
                    if (line.startsWith("TracerPid:")) {
                        assertEquals("0", value, "thread " + tid + " still traced");
                    } else if (line.startsWith("SigPnd:") || line.startsWith("ShdPnd:")) {
                        // Only what a tracer could leave: SIGTRAP (5) or SIGSTOP (19); the
                        // program's own signals (signal-storm's SIGALRM) may be pending.
                        long leftByATracer = (1L << (5 - 1)) | (1L << (19 - 1));
                        assertEquals(0, Long.parseUnsignedLong(value, 16) & leftByATracer,
                                "thread " + tid + ": " + line);
                    } else if (line.startsWith("State:")) {
                        assertFalse(value.startsWith("t") || value.startsWith("T"), "thread " + tid + " stopped: " + line);
                    }
                }
            }
        }

        /** Waits for the end and checks the program's own last line: its count exact. */
        void assertFinishesOk(long ops, String registration) throws IOException, InterruptedException {
            long end = System.nanoTime() + Duration.ofSeconds(180).toNanos();
            while (Files.exists(proc()) && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertFalse(Files.exists(proc()), "still running after 180 s: " + output());
            List<String> lines = output().lines().filter(l -> !l.isBlank()).toList();
            String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
            assertTrue(last.startsWith("ok ops=" + ops + " "), output());
            assertTrue(last.contains(" rseq=" + registration), output());
        }

        String output() {
            try {
                return Files.readString(out);
            } catch (IOException e) {
                return "(no output: " + e.getMessage() + ")";
            }
        }
    }
}
