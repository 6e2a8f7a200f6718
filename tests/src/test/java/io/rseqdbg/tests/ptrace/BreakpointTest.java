package io.rseqdbg.tests.ptrace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.ptrace.Breakpoint;
import io.rseqdbg.ptrace.LaunchSpec;
import io.rseqdbg.ptrace.TraceEvent.BreakpointHit;
import io.rseqdbg.ptrace.TraceEvent.ProcessExited;
import io.rseqdbg.ptrace.Tracer;
import io.rseqdbg.tests.support.Processes;
import io.rseqdbg.tests.support.Targets;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class BreakpointTest {
    @TempDir
    Path dir;

    @Test
    void everyCallThroughABreakpointIsReportedAtItsAddress() throws Exception {
        Path out = dir.resolve("out");
        try (Tracer tracer = launch(out, "25")) {
            int pid = tracer.pid();
            long tick = Processes.symbol(pid, "breakpoint-loop", "tick");
            tracer.insertBreakpoint(pid, tick);
            EventLoop loop = new EventLoop(tracer);
            tracer.cont(pid);
            assertEquals(new ProcessExited(pid, 0), loop.runUntil(e -> {
                if (e instanceof BreakpointHit hit) {
                    assertEquals(new BreakpointHit(pid, tick), hit);
                    assertEquals(tick, tracer.getRegisters(pid).pc());
                }
                return e instanceof ProcessExited;
            }));
            assertEquals(25, loop.all(BreakpointHit.class).size());
        }
        assertEquals("breakpoint-loop ok calls=25\n", Files.readString(out));
    }

    @Test
    void threadsHittingOneBreakpointAreEachSteppedOverIt() throws Exception {
        Path out = dir.resolve("out");
        try (Tracer tracer = launch(out, "50", "0", "4")) {
            int pid = tracer.pid();
            tracer.insertBreakpoint(pid, Processes.symbol(pid, "breakpoint-loop", "tick"));
            EventLoop loop = new EventLoop(tracer);
            tracer.cont(pid);
            assertEquals(new ProcessExited(pid, 0), loop.runToExit());
            List<BreakpointHit> hits = loop.all(BreakpointHit.class);
            assertEquals(200, hits.size());
            Set<Integer> threads = new HashSet<>();
            hits.forEach(h -> threads.add(h.tid()));
            assertEquals(4, threads.size());
        }
        assertEquals("breakpoint-loop ok calls=200\n", Files.readString(out));
    }

    @Test
    void memoryUnderABreakpointReadsAsTheOriginalBytes() throws Exception {
        try (Tracer tracer = launch(dir.resolve("out"), "5")) {
            int pid = tracer.pid();
            long tick = Processes.symbol(pid, "breakpoint-loop", "tick");
            byte[] before = tracer.readMemory(pid, tick - 4, 16);
            tracer.insertBreakpoint(pid, tick);
            assertArrayEquals(before, tracer.readMemory(pid, tick - 4, 16));
            assertEquals((byte) 0xcc, Processes.rawMemory(pid, tick, 1)[0]);
            tracer.kill();
        }
    }

    @Test
    void removingTheLastInsertRestoresTheByte() throws Exception {
        try (Tracer tracer = launch(dir.resolve("out"), "5")) {
            int pid = tracer.pid();
            long tick = Processes.symbol(pid, "breakpoint-loop", "tick");
            byte original = Processes.rawMemory(pid, tick, 1)[0];
            Breakpoint first = tracer.insertBreakpoint(pid, tick);
            Breakpoint second = tracer.insertBreakpoint(pid, tick);
            tracer.removeBreakpoint(first);
            assertEquals((byte) 0xcc, Processes.rawMemory(pid, tick, 1)[0]);
            tracer.removeBreakpoint(second);
            assertEquals(original, Processes.rawMemory(pid, tick, 1)[0]);
            tracer.kill();
        }
    }

    @Test
    void detachRestoresEveryPlantedByteAndTheProgramCompletesItsChecks() throws Exception {
        Path out = dir.resolve("out");
        Tracer tracer = launch(out, "1500", "1000", "2");
        int pid = tracer.pid();
        long tick = Processes.symbol(pid, "breakpoint-loop", "tick");
        long report = Processes.symbol(pid, "breakpoint-loop", "report");
        byte[] tickBytes = Processes.rawMemory(pid, tick, 8);
        byte[] reportBytes = Processes.rawMemory(pid, report, 8);
        tracer.insertBreakpoint(pid, tick);
        tracer.insertBreakpoint(pid, report);
        EventLoop loop = new EventLoop(tracer);
        tracer.cont(pid);
        int[] hits = {0};
        loop.runUntil(e -> e instanceof BreakpointHit && ++hits[0] == 5);
        tracer.close();
        assertArrayEquals(tickBytes, Processes.rawMemory(pid, tick, 8));
        assertArrayEquals(reportBytes, Processes.rawMemory(pid, report, 8));
        assertEquals(0, Processes.tracerPid(pid));
        Process launcher = tracer.launchedProcess().orElseThrow();
        assertTrue(launcher.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, launcher.exitValue());
        assertEquals("breakpoint-loop ok calls=3000\n", Files.readString(out));
    }

    @Test
    void writesUnderABreakpointBecomeWhatDetachRestores() throws Exception {
        // report() runs only at the end, 1.5 s later: the program never executes the changed byte.
        try (Tracer tracer = launch(dir.resolve("out"), "1500", "1000")) {
            int pid = tracer.pid();
            long report = Processes.symbol(pid, "breakpoint-loop", "report");
            byte[] original = tracer.readMemory(pid, report, 2);
            tracer.insertBreakpoint(pid, report);
            byte[] replaced = {(byte) 0x90, original[1]};
            tracer.writeMemory(pid, report, replaced);
            assertArrayEquals(replaced, tracer.readMemory(pid, report, 2));
            assertEquals((byte) 0xcc, Processes.rawMemory(pid, report, 1)[0]);
            tracer.close();
            assertArrayEquals(replaced, Processes.rawMemory(pid, report, 2));
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static Tracer launch(Path out, String... args) {
        return Tracer.launch(LaunchSpec.of(Targets.path("breakpoint-loop").toString(), args).withStdout(Redirect.to(out.toFile())));
    }
}
