package io.rseqdbg.tests.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.ptrace.LaunchSpec;
import io.rseqdbg.ptrace.TraceEvent;
import io.rseqdbg.ptrace.TraceException;
import io.rseqdbg.ptrace.Tracer;
import io.rseqdbg.tests.support.Processes;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Zombie;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class AttachTest {
    @TempDir
    Path dir;

    @Test
    void attachStopsEveryThreadAndDetachLeavesTheProgramRunningCorrectly() throws Exception {
        Path out = dir.resolve("out");
        // 3 threads, 1500 calls each 1 ms apart: about 1.5 s of running.
        int pid = Processes.startDetached(out, Targets.path("breakpoint-loop").toString(), "1500", "1000", "3");
        try {
            awaitThreads(pid, 3);
            try (Tracer tracer = Tracer.attach(pid)) {
                List<Integer> threads = tracer.threads(pid);
                assertEquals(3, threads.size(), threads.toString());
                for (int tid : threads) {
                    assertTrue(tracer.isStopped(tid), "thread " + tid);
                    assertTrue(tracer.getRegisters(tid).pc() != 0);
                }
                assertTrue(Processes.tracerPid(pid) != 0);
                tracer.resumeAll();
                Processes.awaitResumed(pid, threads); // detached while they run, not at their attach stop
            }
            assertEquals(0, Processes.tracerPid(pid));
            assertTrue(Processes.awaitGone(pid, Duration.ofSeconds(20)));
            assertEquals("breakpoint-loop ok calls=4500\n", Files.readString(out));
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void attachingToAGonePidSaysNoSuchProcess() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        int gone = (int) p.pid();
        TraceException e = assertThrows(TraceException.class, () -> Tracer.attach(gone));
        assertEquals("attach " + gone + ": no such process", e.getMessage());
    }

    @Test
    void attachingToATracedProcessNamesItsTracer() {
        try (Tracer first = Tracer.launch(LaunchSpec.of(Targets.path("plain-loop").toString()))) {
            TraceException e = assertThrows(TraceException.class, () -> Tracer.attach(first.pid()));
            assertEquals("attach " + first.pid() + ": already traced by process " + ProcessHandle.current().pid()
                    + " (java)", e.getMessage());
            first.kill();
        }
    }

    @Test
    void attachingToAZombieSaysTheProcessHasExited() throws Exception {
        try (Zombie zombie = Zombie.of("true")) {
            TraceException e = assertThrows(TraceException.class, () -> Tracer.attach(zombie.pid()));
            assertEquals("attach " + zombie.pid() + ": the process has exited (a zombie)", e.getMessage());
        }
    }

    @Test
    void attachingToAKernelThreadIsRefused() {
        TraceException e = assertThrows(TraceException.class, () -> Tracer.attach(2));
        assertEquals("attach 2: kthreadd is a kernel thread", e.getMessage());
    }

    private static void awaitThreads(int pid, int count) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < end) {
            String[] tasks = new java.io.File("/proc/" + pid + "/task").list();
            if (tasks != null && tasks.length >= count) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("process " + pid + " never had " + count + " threads");
    }
}
