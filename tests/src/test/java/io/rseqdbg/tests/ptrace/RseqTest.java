package io.rseqdbg.tests.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.ptrace.LaunchSpec;
import io.rseqdbg.ptrace.RseqArea;
import io.rseqdbg.ptrace.RseqConfiguration;
import io.rseqdbg.ptrace.TraceEvent.BreakpointHit;
import io.rseqdbg.ptrace.Tracer;
import io.rseqdbg.tests.support.Processes;
import io.rseqdbg.tests.support.Targets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RseqTest {
    /** RSEQ_SIG on x86 (glibc's sysdeps/unix/sysv/linux/x86/bits/rseq.h). */
    static final int RSEQ_SIG = 0x53053053;

    @Test
    void aGlibcThreadHasARegisteredRseqAreaWithItsCpu() throws Exception {
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("plain-loop").toString(), "10"))) {
            int pid = tracer.pid();
            // main() runs after glibc registered rseq for the main thread.
            tracer.insertBreakpoint(pid, Processes.symbol(pid, "plain-loop", "main"));
            tracer.cont(pid);
            new EventLoop(tracer).runUntil(e -> e instanceof BreakpointHit);
            RseqConfiguration config = tracer.rseqConfiguration(pid);
            assertTrue(config.registered());
            assertEquals(32, config.size());
            assertEquals(RSEQ_SIG, config.signature());
            RseqArea area = tracer.readRseq(pid);
            assertEquals(tracer.lastCpu(pid), area.cpuId());
            assertEquals(area.cpuId(), area.cpuIdStart());
            assertEquals(0, area.rseqCs());
            tracer.kill();
        }
    }

    @Test
    void atTheExecStopNoRseqAreaIsRegisteredYet() {
        // The kernel still reports the launcher's registration there; the tracer does not.
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("plain-loop").toString(), "10"))) {
            assertEquals(new RseqConfiguration(0, 0, 0, 0), tracer.rseqConfiguration(tracer.pid()));
            tracer.kill();
        }
    }

    @Test
    void rseqCsCanBeWrittenAndCleared() throws Exception {
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("plain-loop").toString(), "10"))) {
            int pid = tracer.pid();
            tracer.insertBreakpoint(pid, Processes.symbol(pid, "plain-loop", "main"));
            tracer.cont(pid);
            new EventLoop(tracer).runUntil(e -> e instanceof BreakpointHit);
            tracer.writeRseqCs(pid, 0x1234_5678L);
            assertEquals(0x1234_5678L, tracer.readRseq(pid).rseqCs());
            tracer.writeRseqCs(pid, 0);
            assertEquals(0, tracer.readRseq(pid).rseqCs());
            tracer.kill();
        }
    }
}
