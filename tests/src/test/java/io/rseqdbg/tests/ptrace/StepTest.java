package io.rseqdbg.tests.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.ptrace.LaunchSpec;
import io.rseqdbg.ptrace.TraceEvent;
import io.rseqdbg.ptrace.TraceEvent.BreakpointHit;
import io.rseqdbg.ptrace.TraceEvent.ProcessExited;
import io.rseqdbg.ptrace.TraceEvent.ProcessKilled;
import io.rseqdbg.ptrace.TraceEvent.Stepped;
import io.rseqdbg.ptrace.Tracer;
import io.rseqdbg.tests.support.Processes;
import io.rseqdbg.tests.support.Targets;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class StepTest {
    @TempDir
    Path dir;

    @Test
    void aSingleStepRunsOneInstruction() throws Exception {
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("breakpoint-loop").toString(), "3"))) {
            int pid = tracer.pid();
            long tick = Processes.symbol(pid, "breakpoint-loop", "tick");
            tracer.insertBreakpoint(pid, tick);
            tracer.cont(pid);
            assertEquals(new BreakpointHit(pid, tick), tracer.waitEvent());
            tracer.singleStep(pid);
            assertEquals(new Stepped(pid), tracer.waitEvent());
            long after = tracer.pc(pid);
            assertTrue(after > tick && after <= tick + 15, "pc 0x" + Long.toHexString(after));
            tracer.kill();
        }
    }

    @Test
    void theFirstStepAfterExecEndsTheExecCallWithoutMoving() {
        // A thread stopped inside a system call (here execve) reports its step at the call's exit.
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("plain-loop").toString()))) {
            int pid = tracer.pid();
            long entry = tracer.pc(pid);
            tracer.singleStep(pid);
            Stepped first = (Stepped) tracer.waitEvent();
            assertEquals(59, first.syscall().number(), "execve's exit: " + first); // SYS_execve on x86-64
            assertEquals(0, first.syscall().result());
            assertEquals(entry, tracer.pc(pid));
            tracer.singleStep(pid);
            assertEquals(new Stepped(pid), tracer.waitEvent());
            assertNotEquals(entry, tracer.pc(pid));
            tracer.kill();
        }
    }

    @Test
    void steppingPushfDoesNotLeakTheTrapFlagIntoTheProgram() throws Exception {
        Path out = dir.resolve("out");
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("pushf-probe").toString(), "3").withStdout(Redirect.to(out.toFile())))) {
            int pid = tracer.pid();
            var bp = tracer.insertBreakpoint(pid, Processes.symbol(pid, "pushf-probe", "read_flags"));
            EventLoop loop = new EventLoop(tracer);
            tracer.cont(pid);
            loop.runUntil(e -> e instanceof BreakpointHit);
            tracer.removeBreakpoint(bp);
            // Through every pushf/pop and pushf/popf of the three rounds.
            tracer.call(() -> {
                for (int i = 0; i < 60; i++) {
                    tracer.singleStep(pid);
                    TraceEvent e = tracer.waitEvent();
                    assertEquals(new Stepped(pid), e);
                }
                return null;
            });
            tracer.cont(pid);
            assertEquals(new ProcessExited(pid, 0), loop.runToExit());
        }
        assertEquals("pushf-probe reads=3 trap-flag-seen=0\n", Files.readString(out));
    }

    @Test
    void aTraceeKilledWhileSteppingIsReportedAsKilled() {
        ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor();
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("plain-loop").toString(), "1000000000"))) {
            int pid = tracer.pid();
            killer.schedule(() -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly), 200, TimeUnit.MILLISECONDS);
            TraceEvent end = tracer.call(() -> {
                while (true) {
                    tracer.singleStep(pid);
                    TraceEvent e = tracer.waitEvent();
                    if (!(e instanceof Stepped)) {
                        return e;
                    }
                }
            });
            assertEquals(new ProcessKilled(pid, 9, false), end);
            assertTrue(tracer.pids().isEmpty());
        } finally {
            killer.shutdownNow();
        }
    }
}
