package io.rseqdbg.tests.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.ptrace.LaunchSpec;
import io.rseqdbg.ptrace.SignalInfo;
import io.rseqdbg.ptrace.Syscall;
import io.rseqdbg.ptrace.TraceEvent;
import io.rseqdbg.ptrace.TraceEvent.Continued;
import io.rseqdbg.ptrace.TraceEvent.GroupStop;
import io.rseqdbg.ptrace.TraceEvent.ProcessExited;
import io.rseqdbg.ptrace.TraceEvent.SignalStop;
import io.rseqdbg.ptrace.TraceEvent.Stepped;
import io.rseqdbg.ptrace.Tracer;
import io.rseqdbg.tests.support.Targets;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a stop tells beyond its kind: a signal's siginfo, a stepped system call's number,
 * arguments and result, and job control (a group-stop, held by PTRACE_LISTEN until SIGCONT).
 */
@Timeout(300)
class StopInfoTest {
    private static final int SIGUSR1 = 10;
    private static final int SIGSTOP = 19;
    private static final int SIGCONT = 18;
    private static final int SI_TKILL = -6;
    private static final int SYS_WRITE = 1;

    @TempDir
    Path dir;

    @Test
    void aSignalTheProgramRaisesNamesItAsTheSender() throws Exception {
        Path out = dir.resolve("out");
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("signal-count").toString(), "1")
                .withStdout(Redirect.to(out.toFile())))) {
            EventLoop loop = new EventLoop(tracer);
            tracer.cont(tracer.pid());
            SignalStop s = (SignalStop) loop.runUntil(e -> e instanceof SignalStop x && x.signal() == SIGUSR1);
            assertEquals(new SignalInfo(SIGUSR1, SI_TKILL, tracer.pid(), 0), s.info()); // raise(): tgkill on itself
            assertEquals(new ProcessExited(tracer.pid(), 0), loop.runToExit());
        }
    }

    @Test
    void aSteppedSystemCallCarriesItsNumberArgumentsAndResult() throws Exception {
        Path out = dir.resolve("out");
        List<Syscall> calls = new ArrayList<>();
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("plain-loop").toString(), "10")
                .withStdout(Redirect.to(out.toFile())))) {
            int pid = tracer.pid();
            while (true) {
                tracer.singleStep(pid);
                TraceEvent e = tracer.waitEvent();
                if (e instanceof ProcessExited) {
                    break;
                }
                if (e instanceof Stepped s && s.syscall() != null) {
                    calls.add(s.syscall());
                }
            }
        }
        String line = "plain-loop n=10 sum=45\n";
        assertEquals(line, Files.readString(out));
        List<Syscall> writes = calls.stream().filter(c -> c.number() == SYS_WRITE).toList();
        assertEquals(1, writes.size(), calls.toString());
        assertEquals(1L, writes.get(0).args().get(0), "to stdout");
        assertEquals(line.length(), writes.get(0).result(), "the bytes written");
        assertTrue(calls.size() > 10, "every call of the run is seen: " + calls.size());
    }

    @Test
    void aThreadListenedToInItsGroupStopStaysStoppedUntilSigcont() throws Exception {
        Path out = dir.resolve("out");
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("breakpoint-loop").toString(), "300", "1000", "1")
                .withStdout(Redirect.to(out.toFile())))) {
            int pid = tracer.pid();
            EventLoop loop = new EventLoop(tracer);
            tracer.cont(pid);
            long stopper = kill("STOP", pid);
            SignalStop stop = (SignalStop) loop.runUntil(e -> e instanceof SignalStop s && s.signal() == SIGSTOP);
            assertEquals((int) stopper, stop.info().senderPid());
            assertTrue(stop.info().sentByProcess());
            tracer.cont(pid); // delivers it: the thread enters the group-stop
            assertEquals(new GroupStop(pid, SIGSTOP), tracer.waitEvent());
            tracer.listen(pid);
            assertTrue(tracer.pollEvent().isEmpty(), "nothing to report while stopped");
            long continuer = kill("CONT", pid);
            assertEquals(new Continued(pid), tracer.waitEvent());
            tracer.cont(pid);
            TraceEvent sigcont = tracer.waitEvent();
            assertTrue(sigcont instanceof SignalStop s && s.signal() == SIGCONT && s.info().senderPid() == continuer,
                    sigcont.toString());
            assertEquals(new ProcessExited(pid, 0), loop.runToExit());
        }
        assertEquals("breakpoint-loop ok calls=300\n", Files.readString(out));
    }

    private static long kill(String signal, int pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Integer.toString(pid)).start();
        assertEquals(0, kill.waitFor());
        return kill.pid();
    }
}
