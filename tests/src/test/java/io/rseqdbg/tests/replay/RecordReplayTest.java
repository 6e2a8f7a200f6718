package io.rseqdbg.tests.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rseqdbg.stepper.replay.TraceOutput;
import io.rseqdbg.stepper.replay.TraceReader;
import io.rseqdbg.stepper.replay.TraceRecord;
import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code rseqdbg record}, {@code replay} and {@code trace show} on real programs: a recorded run
 * replays matched under every policy, multi-threaded ones too (the serialized schedule), with
 * signals and chaos aborts forced where recorded; a changed argument diverges (exit 1); a changed
 * binary and unreadable traces are one line and exit 2.
 */
class RecordReplayTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(240);
    /**
     * Every record and replay steps the program's start-up (about 120,000 instructions) one
     * thread at a time: 20 to 50 s a test. The default suite keeps one of each feature (a plain
     * match, forced aborts under chaos, signals, divergence, refusals); {@code -Pstress} runs all.
     */
    private static final boolean STRESS = Integer.getInteger("rseqdbg.stress", 0) > 0;
    /** Static: no dynamic loader to step through at start-up, a quarter of the time of counter. */
    private static final String COUNTER = "counter-static";
    private static final Pattern MATCHED =
            Pattern.compile("replay matched: (\\d+) events, (\\d+) commits, (\\d+) aborts, (\\d+) signals");

    @TempDir
    static Path dir;
    /** Recorded once: several tests read it. */
    private static Path counterTrace;
    private static Run counterRecord;

    @BeforeAll
    static void recordCounterOnce() {
        counterTrace = dir.resolve("counter.trace");
        counterRecord = record(counterTrace, COUNTER, "1", "50");
    }

    private static Run record(Path trace, String target, String... args) {
        return record(trace, List.of(), target, args);
    }

    /** {@code rseqdbg record OPTIONS -o TRACE TARGET ARGS}, which must exit 0. */
    private static Run record(Path trace, List<String> options, String target, String... args) {
        List<String> words = new ArrayList<>(List.of("record"));
        words.addAll(options);
        words.addAll(List.of("-o", trace.toString(), Targets.path(target).toString()));
        words.addAll(List.of(args));
        return Rseqdbg.launch(words.toArray(String[]::new)).timeout(TIMEOUT).run().requireExit(0);
    }

    private static Run replay(String... args) {
        String[] words = new String[args.length + 1];
        words[0] = "replay";
        System.arraycopy(args, 0, words, 1, args.length);
        return Rseqdbg.launch(words).timeout(TIMEOUT).run();
    }

    /** The events of {@code trace show --json} whose event starts with {@code word}. */
    private static long eventsStartingWith(Path trace, String word) {
        Run json = Rseqdbg.launch("trace", "show", "--json", trace.toString()).timeout(TIMEOUT).run().requireExit(0);
        Matcher m = Pattern.compile("\\{\"thread\":\"\\d+\",\"count\":\"\\d+\",\"event\":\"" + word + " ")
                .matcher(json.lastLine());
        long n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static Matcher matched(Run replay) {
        Matcher m = MATCHED.matcher(replay.stdout());
        assertTrue(m.find(), replay.describe());
        return m;
    }

    @Test
    void aRecordedCounterReplaysMatchedWithEveryCommit() {
        assertTrue(counterRecord.stdout().contains("ok ops=50 "), counterRecord.describe());
        Run replay = Rseqdbg.launch("replay", counterTrace.toString()).timeout(TIMEOUT).run().requireExit(0);
        Matcher m = matched(replay);
        assertEquals(50, Long.parseLong(m.group(2)), replay.describe());
        assertTrue(replay.stdout().contains("ok ops=50 "), replay.describe());
    }

    @Test
    void twoThreadsReplayMatchedThanksToTheRecordedSchedule() {
        assumeTrue(STRESS, "stress profile only (suite time): mvn -Pstress");
        Path trace = dir.resolve("counter2.trace");
        record(trace, "counter", "2", "30");
        Run show = Rseqdbg.launch("trace", "show", trace.toString()).timeout(TIMEOUT).run().requireExit(0);
        assertTrue(show.stdout().contains("thread 2: "), show.describe()); // three threads were scheduled
        assertTrue(show.stdout().contains("thread-start parent=0"), show.describe());
        Run replay = Rseqdbg.launch("replay", trace.toString()).timeout(TIMEOUT).run().requireExit(0);
        assertEquals(60, Long.parseLong(matched(replay).group(2)), replay.describe());
    }

    @Test
    void listWithItsDeclaredExitReplaysMatched() {
        assumeTrue(STRESS, "stress profile only (suite time): mvn -Pstress");
        Path trace = dir.resolve("list.trace");
        record(trace, "list", "1", "40");
        Run replay = Rseqdbg.launch("replay", "--json", trace.toString()).timeout(TIMEOUT).run().requireExit(0);
        assertTrue(replay.lastLine().contains("\"matched\":true"), replay.describe());
        assertTrue(replay.lastLine().contains("\"divergence\":null"), replay.describe());
    }

    @Test
    void signalsAreDeliveredAtTheirRecordedInstructions() {
        Path trace = dir.resolve("storm.trace");
        Run recorded = record(trace, "signal-storm-static", "1", "4", "0", "3000");
        long signals = recorded.number("signals");
        assertTrue(signals > 0, recorded.describe());
        Run replay = Rseqdbg.launch("replay", trace.toString()).timeout(TIMEOUT).run().requireExit(0);
        Matcher m = matched(replay);
        assertEquals(signals, Long.parseLong(m.group(4)), replay.describe());
        // The program's own report precedes replay's line: its handler ran as often as recorded.
        Matcher handled = Pattern.compile("^ok .*signals=(\\d+)", Pattern.MULTILINE).matcher(replay.stdout());
        assertTrue(handled.find(), replay.describe());
        assertEquals(signals, Long.parseLong(handled.group(1)), replay.describe());
    }

    /** The stepper's other policies: inside steps every section with rseq_cs cleared, opv redirects each one. */
    @ParameterizedTest(name = "{0}, {1} threads")
    @CsvSource({"inside, 2", "opv, 4"})
    void insideAndOpvRecordingsReplayMatched(String policy, int threads) {
        assumeTrue(STRESS, "stress profile only (suite time): mvn -Pstress");
        Path trace = dir.resolve("counter-" + policy + ".trace");
        Run recorded = record(trace, List.of("--policy", policy), "counter", String.valueOf(threads), "5");
        assertTrue(recorded.stdout().contains("ok ops=" + 5 * threads + " "), recorded.describe());
        Run replay = replay(trace.toString()).requireExit(0);
        matched(replay);
        assertTrue(replay.stdout().contains("ok ops=" + 5 * threads + " "), replay.describe());
    }

    /**
     * --chaos preempts threads inside sections: every abort it causes is recorded, and replay
     * forces each one at the same thread and instruction count (a replay that let the section
     * commit, or aborted it one instruction off, would diverge).
     */
    @Test
    void aChaosRecordingWithHundredsOfAbortsReplaysEveryAbort() {
        Path trace = dir.resolve("chaos.trace");
        Run recorded = record(trace, List.of("--chaos=11", "--slice", "300"), COUNTER, "2", "150");
        assertTrue(recorded.stdout().contains("ok ops=300 "), recorded.describe());
        long aborts = eventsStartingWith(trace, "aborted");
        assertTrue(aborts >= 100, aborts + " aborts recorded: " + recorded.describe());
        Run replay = replay(trace.toString()).requireExit(0);
        assertEquals(aborts, Long.parseLong(matched(replay).group(3)), replay.describe());
        Run show = Rseqdbg.launch("trace", "show", "--json", trace.toString()).timeout(TIMEOUT).run().requireExit(0);
        assertTrue(show.lastLine().contains("\"chaos\":true,\"chaosSeed\":11"), show.describe());
    }

    /** The stress profile ({@code -Pstress}, rseqdbg.stress > 0): chaos on more targets, policies and threads. */
    @ParameterizedTest(name = "{0} {1} {2} under {3}")
    @CsvSource({"list, 2, 60, skip", "counter, 4, 40, skip", "counter, 2, 40, inside", "list, 2, 30, inside"})
    void chaosRecordingsOfMoreTargetsReplayEveryAbort(String target, String threads, String ops, String policy) {
        assumeTrue(STRESS, "stress profile only");
        Path trace = dir.resolve("chaos-" + target + threads + policy + ".trace");
        record(trace, List.of("--chaos=5", "--slice", "300", "--policy", policy), target, threads, ops);
        long aborts = eventsStartingWith(trace, "aborted");
        assertTrue(aborts > 0, trace.toString());
        Run replay = replay(trace.toString()).requireExit(0);
        assertEquals(aborts, Long.parseLong(matched(replay).group(3)), replay.describe());
    }

    @Test
    void chaosWithoutASeedPrintsTheSeedItDrew() {
        assumeTrue(STRESS, "stress profile only (suite time): mvn -Pstress");
        Path trace = dir.resolve("chaos-seedless.trace");
        Run recorded = record(trace, List.of("--chaos"), "counter", "1", "3");
        Matcher seed = Pattern.compile("chaos seed (-?\\d+) \\(record again with --chaos=\\1\\)").matcher(recorded.stderr());
        assertTrue(seed.find(), recorded.describe());
        Run show = Rseqdbg.launch("trace", "show", "--json", trace.toString()).timeout(TIMEOUT).run().requireExit(0);
        assertTrue(show.lastLine().contains("\"chaosSeed\":" + seed.group(1) + ","), show.describe());
    }

    /** A longer environment moves the stack and changes instruction counts: replay uses the recorded one. */
    @Test
    void replayRunsTheProgramInTheRecordedEnvironment() {
        assumeTrue(STRESS, "stress profile only (suite time): mvn -Pstress");
        Path trace = dir.resolve("env.trace");
        Rseqdbg.launch("record", "-o", trace.toString(), Targets.path("counter").toString(), "1", "5")
                .env("RSEQDBG_TEST_PAD", "a").timeout(TIMEOUT).run().requireExit(0);
        Run replay = Rseqdbg.launch("replay", trace.toString()).env("RSEQDBG_TEST_PAD", "b".repeat(5000))
                .timeout(TIMEOUT).run().requireExit(0);
        matched(replay);
    }

    /** Recorded as {@code ./counter} from the program's own directory, replayed from elsewhere. */
    @Test
    void replayRunsTheRecordedCommandInTheRecordedDirectory() throws IOException {
        assumeTrue(STRESS, "stress profile only (suite time): mvn -Pstress");
        Path home = Files.createDirectories(dir.resolve("cwd"));
        Files.copy(Targets.path("counter"), home.resolve("counter"));
        Path trace = home.resolve("cwd.trace");
        List<String> record = Rseqdbg.commandLine("record", "-o", trace.toString(), "./counter", "1", "3");
        String script = "cd \"$0\" && exec \"$@\"";
        List<String> words = new ArrayList<>(List.of("-c", script, home.toString()));
        words.addAll(record);
        Targets.command("sh", words.toArray(String[]::new)).timeout(TIMEOUT).run().requireExit(0);
        Run replay = replay(trace.toString()).requireExit(0); // from the test's own directory
        matched(replay);
        assertTrue(replay.stdout().contains("ok ops=3 "), replay.describe());
    }

    @Test
    void aChangedBinaryIsRefusedUpFrontInOneLine() throws IOException {
        Path program = changedCopyRecorded();
        Run replay = replay(program.resolveSibling("changed.trace").toString()).requireExit(2);
        assertEquals(1, replay.stderr().lines().count(), replay.describe());
        assertTrue(replay.stderr().contains(program + " changed since the recording"), replay.describe());
        assertTrue(replay.stderr().contains("--force"), replay.describe());
        assertFalse(replay.stdout().contains("ok ops="), replay.describe()); // the program never ran
    }

    @Test
    void forceReplaysAChangedBinaryAnyway() throws IOException {
        assumeTrue(STRESS, "stress profile only (suite time): mvn -Pstress");
        Path program = changedCopyRecorded();
        // One byte appended past the program's end: it runs exactly as before.
        Run replay = replay("--force", program.resolveSibling("changed.trace").toString()).requireExit(0);
        matched(replay);
        assertTrue(replay.stdout().contains("ok ops=3 "), replay.describe());
    }

    /** A copy of counter, recorded to changed.trace beside it, then changed (a byte appended); made once. */
    private static synchronized Path changedCopyRecorded() throws IOException {
        Path copy = dir.resolve("changed").resolve("counter");
        if (Files.exists(copy)) {
            return copy;
        }
        Files.createDirectories(copy.getParent());
        Files.copy(Targets.path(COUNTER), copy);
        Path trace = copy.resolveSibling("changed.trace");
        Rseqdbg.launch("record", "-o", trace.toString(), copy.toString(), "1", "3").timeout(TIMEOUT).run()
                .requireExit(0);
        Files.write(copy, new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
        return copy;
    }

    @Test
    void aChangedArgumentDivergesWithThreadInstructionAndBothEvents() {
        Run replay = Rseqdbg.launch("replay", counterTrace.toString(), "--",
                Targets.path(COUNTER).toString(), "1", "49").timeout(TIMEOUT).run();
        replay.requireExit(1);
        assertTrue(replay.stdout().contains("replay diverged: thread 0, instruction "), replay.describe());
        assertTrue(replay.stdout().contains("expected: 0\t"), replay.describe());
        assertTrue(replay.stdout().contains("enter percpu_counter_add"), replay.describe());
    }

    /**
     * entropy-static draws random bytes and reads three clocks and its CPU, and does as much work
     * as the random bytes say: only a replay that answers those calls from the trace prints the
     * same lines and makes the same number of section entries.
     */
    @Test
    void clockRandomAndCpuCallsAreAnsweredFromTheTraceSoTheReplaySeesTheRecordedValues() {
        Path trace = dir.resolve("entropy.trace");
        Run recorded = record(trace, "entropy-static", "2", "5");
        Run replay = replay("--json", trace.toString()).requireExit(0);
        List<String> seen = recorded.stdout().lines().filter(l -> l.startsWith("thread ")).toList();
        assertEquals(2, seen.size(), recorded.describe());
        assertEquals(seen, replay.stdout().lines().filter(l -> l.startsWith("thread ")).toList(), replay.describe());
        // Each thread: getrandom, clock_gettime, gettimeofday, time, getcpu; and the C library's own.
        Matcher answered = Pattern.compile("\"answered\":(\\d+)").matcher(replay.lastLine());
        assertTrue(answered.find() && Long.parseLong(answered.group(1)) >= 10, replay.describe());
    }

    /** A recorded result rewritten (write's byte count, one more) is found at that very call. */
    @Test
    void aChangedSystemCallResultIsADivergenceAtThatCall() throws IOException {
        Path changed = dir.resolve("changed-result.trace");
        TraceRecord.Syscall[] target = new TraceRecord.Syscall[1];
        try (TraceReader in = new TraceReader(counterTrace);
             TraceOutput out = new TraceOutput(Files.newOutputStream(changed))) {
            out.write(in.header());
            for (TraceRecord r; (r = in.next()) != null; ) {
                if (target[0] == null && r instanceof TraceRecord.Syscall c && c.number() == 1 && c.result() > 0) {
                    target[0] = c;
                    r = new TraceRecord.Syscall(c.thread(), c.count(), c.number(), c.args(), c.result() + 1, c.outputs());
                }
                out.write(r);
            }
        }
        assertTrue(target[0] != null, "the counter's trace holds no write");
        Run replay = replay(changed.toString()).requireExit(1);
        TraceRecord.Syscall w = target[0];
        assertTrue(replay.stdout().contains("replay diverged: thread " + w.thread() + ", instruction " + w.count()),
                replay.describe());
        assertTrue(replay.stdout().contains("expected: " + w.thread() + "\t" + w.count() + "\tsyscall nr=1 result="
                + (w.result() + 1)), replay.describe());
        assertTrue(replay.stdout().contains("actual:   " + w.thread() + "\t" + w.count() + "\tsyscall nr=1 result="
                + w.result() + " "), replay.describe());
    }

    @Test
    void traceShowPrintsTheHeaderScheduleAndEventsInStepsWords() {
        Run show = Rseqdbg.launch("trace", "show", counterTrace.toString()).timeout(TIMEOUT).run().requireExit(0);
        assertTrue(show.stdout().contains("command: " + Targets.path(COUNTER) + " 1 50"), show.describe());
        assertTrue(show.stdout().contains("kernel "), show.describe());
        assertEquals(50, show.stdout().lines().filter(l -> l.matches("0\t\\d+\tcommitted percpu_counter_add\\+\\d+ at .*")).count(),
                show.describe());
        Run json = Rseqdbg.launch("trace", "show", "--json", counterTrace.toString()).timeout(TIMEOUT).run().requireExit(0);
        assertTrue(json.lastLine().startsWith("{\"header\":{\"formatVersion\":3"), json.describe());
    }

    @Test
    void truncatedDamagedEmptyAndForeignTracesAreOneLineAndExit2() throws IOException {
        byte[] good = Files.readAllBytes(counterTrace);
        Path truncated = Files.write(dir.resolve("truncated.trace"), Arrays.copyOf(good, good.length - 7));
        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x01;
        Path damaged = Files.write(dir.resolve("damaged.trace"), flipped);
        Path empty = Files.write(dir.resolve("empty.trace"), new byte[0]);
        Path foreign = Targets.path("counter");
        for (Path bad : new Path[] {truncated, damaged, empty, foreign}) {
            for (String command : new String[] {"replay", "trace"}) {
                Run run = command.equals("trace")
                        ? Rseqdbg.launch("trace", "show", bad.toString()).timeout(TIMEOUT).run()
                        : Rseqdbg.launch("replay", bad.toString()).timeout(TIMEOUT).run();
                run.requireExit(2);
                assertEquals(1, run.stderr().lines().count(), run.describe());
                assertFalse(run.stderr().contains("Exception"), run.describe());
                String why = bad == truncated ? "truncated" : bad == damaged ? "damaged"
                        : bad == empty ? "empty" : "not an rseqdbg trace";
                assertTrue(run.stderr().contains(why), why + ": " + run.describe());
            }
        }
    }
}
