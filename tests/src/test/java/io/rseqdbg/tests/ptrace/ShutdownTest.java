package io.rseqdbg.tests.ptrace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.ptrace.Tracer;
import io.rseqdbg.tests.support.Processes;
import io.rseqdbg.tests.support.Targets;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(90)
class ShutdownTest {
    @TempDir
    Path dir;

    @Test
    void sigtermToATracingJvmLeavesTheTraceeRunningAndUnmodified() throws Exception {
        Path out = dir.resolve("out");
        // 2 threads, 2000 calls 1 ms apart: report() runs once, after about 2 s.
        int pid = Processes.startDetached(out, Targets.path("breakpoint-loop").toString(), "2000", "1000", "2");
        Process jvm = null;
        try {
            long report = Processes.symbol(pid, "breakpoint-loop", "report");
            byte[] original = Processes.rawMemory(pid, report, 8);
            jvm = new ProcessBuilder(javaCommand(TracerHoldingMain.class, Integer.toString(pid), Long.toHexString(report)))
                    .redirectErrorStream(true).start();
            BufferedReader lines = new BufferedReader(new InputStreamReader(jvm.getInputStream()));
            assertEquals("ready", lines.readLine());
            assertEquals((byte) 0xcc, Processes.rawMemory(pid, report, 1)[0]);
            assertTrue(Processes.tracerPid(pid) != 0);

            jvm.destroy(); // SIGTERM
            assertTrue(jvm.waitFor(30, TimeUnit.SECONDS), "the tracing JVM did not exit");
            assertArrayEquals(original, Processes.rawMemory(pid, report, 8));
            assertEquals(0, Processes.tracerPid(pid));
            char state = java.nio.file.Files.readString(Path.of("/proc/" + pid + "/stat")).split("\\) ")[1].charAt(0);
            assertTrue(state == 'S' || state == 'R', "tracee state " + state);

            assertTrue(Processes.awaitGone(pid, Duration.ofSeconds(30)));
            assertEquals("breakpoint-loop ok calls=4000\n", Files.readString(out));
        } finally {
            if (jvm != null) {
                jvm.destroyForcibly();
            }
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** java -cp (this test's classes, the tracer's, JNA) MAIN ARGS. */
    private static List<String> javaCommand(Class<?> main, String... args) throws Exception {
        String cp = String.join(File.pathSeparator, location(main), location(Tracer.class),
                location(Class.forName("com.sun.jna.Native")));
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cp, main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
