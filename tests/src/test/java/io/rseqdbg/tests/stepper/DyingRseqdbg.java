package io.rseqdbg.tests.stepper;

import io.rseqdbg.ptrace.TraceEvent;
import io.rseqdbg.ptrace.Tracer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A JVM that attaches to a program through rseqdbg-tracer, leaves it in one exact state, says so
 * on its first line of output, and is then SIGKILLed, as rseqdbg can be at any point. The
 * program is then rseqdbg-tracer's to let go.
 */
final class DyingRseqdbg {

    private DyingRseqdbg() {
    }

    /**
     * Runs {@code main} with {@code args}, returns its first line once it printed one, then kills
     * it and waits until the program {@code pid} has no tracer. Fails the test on a silence or
     * a let-go that never came; stderr goes to {@code dir/rseqdbg.err}.
     */
    static String killAfterFirstLine(Path dir, Class<?> main, long pid, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Drseqdbg.home=" + System.getProperty("rseqdbg.home"), "-cp", System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(List.of(args));
        Path err = dir.resolve("rseqdbg.err");
        Process rseqdbg = new ProcessBuilder(command).redirectError(err.toFile()).start();
        String line;
        try {
            line = CompletableFuture.supplyAsync(() -> readLine(rseqdbg)).get(120, TimeUnit.SECONDS);
            if (line == null) {
                throw new AssertionError(main.getSimpleName() + " ended without its line: " + Files.readString(err));
            }
            rseqdbg.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        } finally {
            rseqdbg.destroyForcibly();
        }
        if (!StepProcess.awaitUntraced(pid, 60)) {
            throw new AssertionError("rseqdbg-tracer never let the program go");
        }
        return line;
    }

    /** In the JVM to be killed: prints {@code line} for {@link #killAfterFirstLine}, then waits for the kill (ten minutes at most). */
    static void sayAndAwaitKill(String line) throws InterruptedException {
        System.out.println(line);
        System.out.flush();
        Thread.sleep(600_000);
    }

    /**
     * In the JVM to be killed, on the tracer's thread: waits for the first event of {@code type}
     * that {@code wanted} accepts, setting going again every other thread that stops meanwhile.
     */
    static <E extends TraceEvent> E awaitEvent(Tracer tracer, Class<E> type, Predicate<E> wanted) {
        while (true) {
            TraceEvent e = tracer.waitEvent();
            if (type.isInstance(e) && wanted.test(type.cast(e))) {
                return type.cast(e);
            }
            if (tracer.isStopped(e.tid())) {
                tracer.cont(e.tid());
            }
        }
    }

    private static String readLine(Process p) {
        try {
            return new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
        } catch (IOException e) {
            return e.toString();
        }
    }
}
