package io.rseqdbg.tests.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.ptrace.Arch;
import io.rseqdbg.ptrace.LaunchSpec;
import io.rseqdbg.ptrace.Registers;
import io.rseqdbg.ptrace.TraceEvent.BreakpointHit;
import io.rseqdbg.ptrace.TraceEvent.ProcessExited;
import io.rseqdbg.ptrace.TraceEvent.Stepped;
import io.rseqdbg.ptrace.Tracer;
import io.rseqdbg.tests.support.Processes;
import io.rseqdbg.tests.support.Targets;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ArchTest {
    @TempDir
    Path dir;

    @Test
    void anI386TraceeAnswersWithItsOwnRegisters() {
        io.rseqdbg.tests.support.Targets.assumeRunnable("plain-loop-i386");
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("plain-loop-i386").toString()))) {
            int pid = tracer.pid();
            Registers r = tracer.getRegisters(pid);
            assertEquals(Arch.I386, r.arch());
            assertEquals(r.get("eip"), r.pc());
            assertEquals(r.get("esp"), r.sp());
            assertTrue(r.pc() > 0 && r.pc() < (1L << 32), r.toString());
            assertEquals(r.pc(), tracer.pc(pid));
            for (int i = 0; i < 2; i++) { // the first step only ends the execve
                tracer.singleStep(pid);
                assertEquals(new Stepped(pid), tracer.waitEvent());
            }
            assertTrue(tracer.getRegisters(pid).pc() != r.pc());
            tracer.kill();
        }
    }

    @Test
    void anI386TraceeStopsAtBreakpointsWithItsPcRewound() throws Exception {
        io.rseqdbg.tests.support.Targets.assumeRunnable("breakpoint-loop-i386");
        Path out = dir.resolve("out");
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("breakpoint-loop-i386").toString(), "5", "0", "2")
                .withStdout(Redirect.to(out.toFile())))) {
            int pid = tracer.pid();
            long tick = Processes.symbol(pid, "breakpoint-loop-i386", "tick");
            tracer.insertBreakpoint(pid, tick);
            EventLoop loop = new EventLoop(tracer);
            tracer.cont(pid);
            assertEquals(new ProcessExited(pid, 0), loop.runUntil(e -> {
                if (e instanceof BreakpointHit hit) {
                    assertEquals(tick, hit.address());
                    assertEquals(tick, tracer.getRegisters(hit.tid()).get("eip"));
                }
                return e instanceof ProcessExited;
            }));
            assertEquals(10, loop.all(BreakpointHit.class).size());
        }
        assertEquals("breakpoint-loop ok calls=10\n", Files.readString(out));
    }
}
