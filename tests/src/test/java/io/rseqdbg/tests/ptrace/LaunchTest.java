package io.rseqdbg.tests.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.ptrace.LaunchSpec;
import io.rseqdbg.ptrace.TraceEvent;
import io.rseqdbg.ptrace.TraceEvent.ProcessExited;
import io.rseqdbg.ptrace.TraceException;
import io.rseqdbg.ptrace.Tracer;
import io.rseqdbg.tests.support.Targets;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class LaunchTest {
    @TempDir
    Path dir;

    @Test
    void launchedProgramStopsBeforeItsFirstInstructionRuns() throws Exception {
        Path out = dir.resolve("out");
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("plain-loop").toString(), "10").withStdout(Redirect.to(out.toFile())))) {
            int pid = tracer.pid();
            assertTrue(tracer.isStopped(pid));
            long pc = tracer.getRegisters(pid).pc();
            // The dynamic loader's entry: the pc lies in ld.so's mapping, and nothing was printed.
            String mapping = Files.readAllLines(Path.of("/proc/" + pid + "/maps")).stream()
                    .filter(l -> {
                        String[] r = l.split("\\s+")[0].split("-");
                        return Long.parseUnsignedLong(r[0], 16) <= pc && pc < Long.parseUnsignedLong(r[1], 16);
                    }).findFirst().orElse("");
            assertTrue(mapping.contains("ld-linux"), mapping);
            assertEquals("", Files.readString(out));
            tracer.kill();
        }
    }

    @Test
    void launchedProgramRunsToExitWithItsOutput() throws Exception {
        Path out = dir.resolve("out");
        try (Tracer tracer = Tracer.launch(LaunchSpec.of(Targets.path("plain-loop").toString(), "100").withStdout(Redirect.to(out.toFile())))) {
            TraceEvent end = new EventLoop(tracer).runToExit();
            assertEquals(new ProcessExited(tracer.pid(), 0), end);
            assertEquals("plain-loop n=100 sum=4950\n", Files.readString(out));
            Process launcher = tracer.launchedProcess().orElseThrow();
            assertTrue(launcher.waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, launcher.exitValue());
        }
    }

    @Test
    void exitCodeIsReported() {
        try (Tracer tracer = Tracer.launch(LaunchSpec.of("sh", "-c", "exit 7"))) {
            assertEquals(new ProcessExited(tracer.pid(), 7), new EventLoop(tracer).runToExit());
        }
    }

    @Test
    void argumentsEnvironmentAndWorkingDirectoryReachTheProgram() throws Exception {
        Path out = dir.resolve("out");
        LaunchSpec spec = LaunchSpec.of("/bin/sh", "-c", "echo \"$0 $1 $GREETING $(pwd)\"", "zero", "one two")
                .withEnvironment(Map.of("GREETING", "hello", "PATH", "/usr/bin:/bin"))
                .withWorkingDirectory(dir)
                .withStdout(Redirect.to(out.toFile()));
        try (Tracer tracer = Tracer.launch(spec)) {
            assertEquals(new ProcessExited(tracer.pid(), 0), new EventLoop(tracer).runToExit());
        }
        assertEquals("zero one two hello " + dir.toRealPath() + "\n", Files.readString(out));
    }

    @Test
    void stdinAndStdoutCanBePipes() throws Exception {
        LaunchSpec spec = LaunchSpec.of("cat").withStdin(Redirect.PIPE).withStdout(Redirect.PIPE);
        try (Tracer tracer = Tracer.launch(spec)) {
            Process p = tracer.launchedProcess().orElseThrow();
            p.getOutputStream().write("through the tracer\n".getBytes());
            p.getOutputStream().close();
            assertEquals(new ProcessExited(tracer.pid(), 0), new EventLoop(tracer).runToExit());
            assertEquals("through the tracer\n", new String(p.getInputStream().readAllBytes()));
        }
    }

    @Test
    void launchingAMissingProgramSaysSo() {
        TraceException e = assertThrows(TraceException.class, () -> Tracer.launch(LaunchSpec.of("/no/such/program")));
        assertEquals("launch /no/such/program: no such program", e.getMessage());
        TraceException onPath = assertThrows(TraceException.class, () -> Tracer.launch(LaunchSpec.of("no-such-program-rseqdbg")));
        assertEquals("launch no-such-program-rseqdbg: no such program (not found on PATH)", onPath.getMessage());
    }
}
