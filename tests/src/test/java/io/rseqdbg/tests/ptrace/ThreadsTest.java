package io.rseqdbg.tests.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.ptrace.LaunchSpec;
import io.rseqdbg.ptrace.TraceEvent.Exec;
import io.rseqdbg.ptrace.TraceEvent.Forked;
import io.rseqdbg.ptrace.TraceEvent.ProcessExited;
import io.rseqdbg.ptrace.TraceEvent.ThreadCreated;
import io.rseqdbg.ptrace.TraceEvent.ThreadExited;
import io.rseqdbg.ptrace.Tracer;
import io.rseqdbg.tests.support.Processes;
import io.rseqdbg.tests.support.Targets;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ThreadsTest {
    @TempDir
    Path dir;

    @Test
    void threadsThatStartAndExitWhileTracedAreEachReportedOnce() throws Exception {
        Path out = dir.resolve("out");
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("thread-churn").toString(), "10", "4")
                .withStdout(Redirect.to(out.toFile())))) {
            EventLoop loop = new EventLoop(tracer);
            assertEquals(new ProcessExited(tracer.pid(), 0), loop.runToExit());
            Set<Integer> created = new HashSet<>();
            loop.all(ThreadCreated.class).forEach(c -> assertTrue(created.add(c.newTid()), "created twice: " + c));
            Set<Integer> exited = new HashSet<>();
            loop.all(ThreadExited.class).forEach(x -> assertTrue(exited.add(x.tid()), "exited twice: " + x));
            assertEquals(40, created.size());
            assertEquals(created, exited);
        }
        assertEquals("thread-churn ok rounds=10 threads=4\n", Files.readString(out));
    }

    @Test
    void stopAllHoldsEveryThreadAndReleaseSetsThemGoing() throws Exception {
        Path out = dir.resolve("out");
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("breakpoint-loop").toString(), "400", "500", "3")
                .withStdout(Redirect.to(out.toFile())))) {
            int pid = tracer.pid();
            EventLoop loop = new EventLoop(tracer);
            tracer.cont(pid);
            // Let both extra threads start, then hold everything while they loop.
            loop.runUntil(e -> e instanceof ThreadCreated && tracer.threads(pid).size() == 3);
            tracer.resumeAll();
            Processes.awaitResumed(pid, tracer.threads(pid));
            List<Integer> held = tracer.stopAll(pid);
            assertEquals(Set.copyOf(tracer.threads(pid)), Set.copyOf(held));
            for (int tid : held) {
                assertTrue(tracer.isStopped(tid), "thread " + tid + " still runs");
            }
            tracer.release(held);
            for (int tid : held) {
                assertTrue(!tracer.isStopped(tid), "thread " + tid + " was not released");
            }
            assertEquals(new ProcessExited(pid, 0), loop.runToExit());
        }
        assertEquals("breakpoint-loop ok calls=1200\n", Files.readString(out));
    }

    @Test
    void forkedAndVforkedChildrenAreFollowedThroughExecToExit() throws Exception {
        Path out = dir.resolve("out");
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("spawn-children").toString(), Targets.path("plain-loop").toString())
                .withStdout(Redirect.to(out.toFile())))) {
            EventLoop loop = new EventLoop(tracer);
            assertEquals(new ProcessExited(tracer.pid(), 0), loop.runToExit());
            List<Forked> forks = loop.all(Forked.class);
            assertEquals(2, forks.size(), loop.seen.toString());
            assertEquals(false, forks.get(0).vfork());
            assertEquals(true, forks.get(1).vfork());
            for (Forked f : forks) {
                assertTrue(loop.seen.contains(new Exec(f.childPid(), f.childPid())), "no exec in " + f.childPid());
                assertTrue(loop.seen.contains(new ProcessExited(f.childPid(), 0)), "no exit of " + f.childPid());
            }
        }
        String output = Files.readString(out);
        assertTrue(output.endsWith("spawn-children ok\n"), output);
        assertEquals(2, output.lines().filter(l -> l.equals("plain-loop n=10 sum=45")).count(), output);
    }
}
