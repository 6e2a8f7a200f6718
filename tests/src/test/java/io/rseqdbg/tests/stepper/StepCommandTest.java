package io.rseqdbg.tests.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code rseqdbg step} as a user meets it: the demo, the summary, JSON, trace, exit statuses, bad input.
 *
 * <p>The stepped runs use {@code counter-static} where the claim is about the summary, the trace or
 * a policy rather than linking: a static build has no dynamic loader to single-step (about 7 s a
 * run saved). The demo and the exit status of {@code /bin/sh} stay dynamic, as a user meets them.
 */
class StepCommandTest {

    private static final String COUNTER = "counter-static";

    @Test
    void withNoProgramItStepsTheDemoToCompletionAndExplains() {
        Run run = Rseqdbg.launch("step").timeout(Duration.ofSeconds(120)).run().requireExit(0);
        assertTrue(run.lastLine().startsWith("ok ops=200 "), run.describe());
        assertTrue(run.stderr().contains("demo-counter"), run.describe());
        assertTrue(run.stderr().contains("never advances"), run.describe());
        assertEquals(200, committed(run.stderr(), "percpu_counter_add"), run.describe());
    }

    @Test
    void jsonSummaryCountsEveryCommitAndTheExitStatus() {
        Run run = Rseqdbg.launch("step", "--json", "--", Targets.path(COUNTER).toString(), "1", "30")
                .timeout(Duration.ofSeconds(120)).run().requireExit(0);
        String json = run.lastLine();
        assertTrue(json.startsWith("{") && json.contains("\"policy\":\"skip\""), run.describe());
        assertTrue(json.contains("\"exitStatus\":0"), json);
        assertTrue(json.contains("\"committed\":30"), json);
        assertTrue(json.contains("\"end\":\"exited\""), json);
    }

    @Test
    void skipSpendsAtMostThreeStopsPerCriticalSection() {
        Run run = Rseqdbg.launch("step", "--json", "--", Targets.path(COUNTER).toString(), "1", "30")
                .timeout(Duration.ofSeconds(120)).run().requireExit(0);
        Matcher m = Pattern.compile("\"stopsPerPass\":([0-9.]+)").matcher(run.lastLine());
        assertTrue(m.find(), run.describe());
        do {
            assertTrue(Double.parseDouble(m.group(1)) <= 3.0, run.lastLine());
        } while (m.find());
    }

    @Test
    void theProgramsExitStatusPassesThrough() {
        Run run = Rseqdbg.launch("step", "--", "/bin/sh", "-c", "exit 7").timeout(Duration.ofSeconds(120)).run();
        run.requireExit(7);
    }

    @Test
    void traceFileHasOneLinePerStopWithNamedCriticalSections(@TempDir Path dir) throws IOException {
        Path trace = dir.resolve("trace.txt");
        Run run = Rseqdbg.launch("step", "--trace", trace.toString(), "--", Targets.path(COUNTER).toString(), "1", "10")
                .timeout(Duration.ofSeconds(120)).run().requireExit(0);
        List<String> lines = Files.readAllLines(trace);
        long steps = Long.parseLong(find(run.stderr(), "([0-9,]+) instructions stepped").replace(",", ""));
        assertTrue(lines.size() >= steps, lines.size() + " lines for " + steps + " steps");
        assertEquals(10, lines.stream().filter(l -> l.matches("\\d+\t0x[0-9a-f]+\t\\S+\tcommitted percpu_counter_add\\+\\d+ stops=\\d+")).count(),
                String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
    }

    @Test
    void noneShowsTheAbortLoopAndMaxStepsDetachesSoTheProgramFinishes() {
        // A fast path that never gives up, as in a library with no slow path (TCMalloc). Static,
        // the program's first section comes within a few thousand steps: 80,000 are all but
        // all spent in its abort loop.
        Run run = Rseqdbg.launch("step", "--policy", "none", "--max-steps", "80000", "--",
                Targets.path(COUNTER).toString(), "1", "50")
                .env("RSEQDBG_FASTPATH_TRIES", "1000000").timeout(Duration.ofSeconds(120)).run();
        run.requireExit(0);
        assertTrue(run.stderr().contains("aborted 10 times in a row without a commit"), run.describe());
        assertTrue(run.stderr().contains("--max-steps"), run.describe());
        assertTrue(run.lastLine().startsWith("ok ops=50 "), "detached, the program completes: " + run.describe());
    }

    /**
     * A run at full speed from an entry store counts the store and the entry in one stop: a limit
     * that falls on the store must not let the entry through as step limit + 1.
     */
    @Test
    void maxStepsEndingOnAnEntryStoreStopsAtExactlyThatMany(@TempDir Path dir) throws IOException {
        Path trace = dir.resolve("trace.txt");
        Rseqdbg.launch("step", "--trace", trace.toString(), "--", Targets.path(COUNTER).toString(), "1", "3")
                .timeout(Duration.ofSeconds(120)).run().requireExit(0);
        long limit = stepsBeforeFirstProtectedEntry(Files.readAllLines(trace));
        Run run = Rseqdbg.launch("step", "--max-steps", Long.toString(limit), "--json", "--",
                Targets.path(COUNTER).toString(), "1", "3").timeout(Duration.ofSeconds(120)).run().requireExit(0);
        assertTrue(run.lastLine().contains("\"end\":\"max-steps\""), run.describe());
        assertTrue(run.lastLine().contains("\"steps\":" + limit + ","), limit + " steps: " + run.describe());
        assertTrue(run.stdout().contains("ok ops=3 "), "detached, the program completes: " + run.describe());
    }

    /** Steps up to the entry store of the first section run at full speed (an entry no "bound" line follows). */
    private static long stepsBeforeFirstProtectedEntry(List<String> trace) {
        long steps = 0;
        for (int i = 0; i < trace.size(); i++) {
            String event = trace.get(i).split("\t")[3];
            if (event.startsWith("step") || event.startsWith("enter")) {
                steps++;
            }
            boolean bound = i + 1 < trace.size() && trace.get(i + 1).split("\t")[3].startsWith("bound");
            if (event.startsWith("enter") && !bound && trace.get(i - 1).split("\t")[3].equals("step")) {
                return steps - 1;
            }
        }
        throw new AssertionError("no section run at full speed from its entry store in the trace");
    }

    @Test
    void aProgramThatDoesNotExistIsOneLineAndExitTwo() {
        Run run = Rseqdbg.launch("step", "--", "/no/such/program").run();
        assertUsageError(run, "/no/such/program");
    }

    @Test
    void aFileThatIsNotExecutableIsOneLineAndExitTwo(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a program\n");
        assertUsageError(Rseqdbg.launch("step", "--", text.toString()).run(), "notes.txt");
    }

    @Test
    void aPidThatIsGoneIsOneLineAndExitTwo() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        assertUsageError(Rseqdbg.launch("step", "--pid", Long.toString(gone.pid())).run(), Long.toString(gone.pid()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"--frobnicate", "--policy=sideways", "--max-steps=-3", "--pid=abc"})
    void badFlagsAreOneLineAndExitTwo(String flag) {
        assertUsageError(Rseqdbg.launch("step", flag).run(), flag.replaceFirst("=.*", "").replace("--", ""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"--bind=4095", "--bind=-1", "--bind=99999999999", "--bind=x"})
    void aCpuTheProgramMayNotUseIsOneLineAndExitTwo(String flag) {
        assertUsageError(Rseqdbg.launch("step", flag, "--", Targets.path("counter").toString(), "1", "5")
                .timeout(Duration.ofSeconds(120)).run(), "--bind");
    }

    @Test
    void jvmTracerWithoutPidIsOneLineAndExitTwo() {
        assertUsageError(Rseqdbg.launch("step", "--jvm-tracer", "--", Targets.path("counter").toString(), "1", "5")
                .timeout(Duration.ofSeconds(120)).run(), "--jvm-tracer goes with --pid");
    }

    @Test
    void anAttachTheKernelRefusesSaysWhyFromProc() throws Exception {
        // Same user (root), but the target holds CAP_SYS_PTRACE and rseqdbg, started without it, does not.
        Assumptions.assumeTrue(new ProcessBuilder("id", "-u").start().inputReader().readLine().equals("0"), "needs root");
        Process target = new ProcessBuilder("sleep", "120").start();
        try {
            List<String> command = new java.util.ArrayList<>(List.of("setpriv", "--inh-caps=-sys_ptrace",
                    "--bounding-set=-sys_ptrace", "--"));
            command.addAll(Rseqdbg.commandLine("step", "--pid", Long.toString(target.pid())));
            Run run = Targets.command(command.get(0), command.subList(1, command.size()).toArray(String[]::new))
                    .timeout(Duration.ofSeconds(120)).run();
            run.requireOneLineError("cap_sys_ptrace");
            assertFalse(run.stderr().contains("another user"), "it is the same user: " + run.describe());
            assertTrue(target.isAlive(), "the refused attach left the program alone");
        } finally {
            target.destroy();
        }
    }

    private static void assertUsageError(Run run, String mentioned) {
        run.requireExit(2);
        List<String> lines = run.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), run.describe());
        assertTrue(lines.get(0).contains(mentioned), run.describe());
        assertFalse(run.stderr().contains("Exception"), run.describe());
    }

    static long committed(String stderr, String function) {
        Matcher m = Pattern.compile(Pattern.quote(function) + "\\+\\d+: ([0-9,]+) committed").matcher(stderr);
        return m.find() ? Long.parseLong(m.group(1).replace(",", "")) : -1;
    }

    private static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new AssertionError("no match for " + regex + " in:\n" + text);
        }
        return m.group(1);
    }
}
