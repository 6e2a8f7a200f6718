package io.rseqdbg.tests.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.ptrace.LaunchSpec;
import io.rseqdbg.ptrace.TraceEvent;
import io.rseqdbg.ptrace.TraceEvent.BreakpointHit;
import io.rseqdbg.ptrace.TraceEvent.ProcessExited;
import io.rseqdbg.ptrace.TraceEvent.SignalStop;
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
class SignalsTest {
    static final int SIGUSR1 = 10;

    @TempDir
    Path dir;

    @Test
    void eachSignalReachesItsHandlerExactlyOnce() throws Exception {
        Path out = dir.resolve("out");
        try (Tracer tracer = launch(out, "20")) {
            EventLoop loop = new EventLoop(tracer);
            assertEquals(new ProcessExited(tracer.pid(), 0), loop.runToExit());
            assertEquals(20, loop.all(SignalStop.class).stream().filter(s -> s.signal() == SIGUSR1).count());
        }
        assertEquals("signal-count sent=20 handled=20\n", Files.readString(out));
    }

    @Test
    void aSuppressedSignalNeverReachesTheProgram() throws Exception {
        Path out = dir.resolve("out");
        try (Tracer tracer = launch(out, "3")) {
            EventLoop loop = new EventLoop(tracer);
            tracer.cont(tracer.pid());
            TraceEvent first = loop.runUntil(e -> e instanceof SignalStop s && s.signal() == SIGUSR1);
            assertEquals(SIGUSR1, tracer.pendingSignal(first.tid()));
            tracer.suppressSignal(first.tid());
            tracer.cont(first.tid());
            assertEquals(new ProcessExited(tracer.pid(), 1), loop.runToExit());
        }
        assertEquals("signal-count sent=3 handled=2\n", Files.readString(out));
    }

    @Test
    void singleSteppingAcrossASignalDeliversItOnce() throws Exception {
        Path out = dir.resolve("out");
        try (Tracer tracer = launch(out, "3")) {
            int pid = tracer.pid();
            var bp = tracer.insertBreakpoint(pid, Processes.symbol(pid, "signal-count", "send_one"));
            EventLoop loop = new EventLoop(tracer);
            tracer.cont(pid);
            loop.runUntil(e -> e instanceof BreakpointHit);
            tracer.removeBreakpoint(bp);
            // Step through raise(), the signal's delivery, the handler and sigreturn.
            int signalStops = tracer.call(() -> {
                int stops = 0;
                int after = 0;
                for (int i = 0; i < 3000 && after < 500; i++) {
                    after += stops > 0 ? 1 : 0;
                    tracer.singleStep(pid);
                    TraceEvent e = tracer.waitEvent();
                    if (e instanceof SignalStop s && s.signal() == SIGUSR1) {
                        stops++;
                    } else if (!(e instanceof TraceEvent.Stepped)) {
                        throw new AssertionError("while stepping: " + e);
                    }
                }
                return stops;
            });
            assertTrue(signalStops >= 1, "no signal seen while stepping");
            tracer.cont(pid);
            assertEquals(new ProcessExited(pid, 0), loop.runToExit());
        }
        assertEquals("signal-count sent=3 handled=3\n", Files.readString(out));
    }

    private static Tracer launch(Path out, String count) {
        return Tracer.launch(LaunchSpec.of(Targets.path("signal-count").toString(), count).withStdout(Redirect.to(out.toFile())));
    }
}
