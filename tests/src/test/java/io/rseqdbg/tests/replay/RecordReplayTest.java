package io.rseqdbg.tests.replay;

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
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rseqdbg record}, {@code replay} and {@code trace show} on real programs: a recorded run
 * replays matched, multi-threaded ones too (the serialized schedule); a changed argument
 * diverges (exit 1); unreadable traces are one line and exit 2.
 */
class RecordReplayTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(240);
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
        counterRecord = record(counterTrace, "counter", "1", "50");
    }

    private static Run record(Path trace, String target, String... args) {
        String[] words = new String[args.length + 4];
        words[0] = "record";
        words[1] = "-o";
        words[2] = trace.toString();
        words[3] = Targets.path(target).toString();
        System.arraycopy(args, 0, words, 4, args.length);
        return Rseqdbg.launch(words).timeout(TIMEOUT).run().requireExit(0);
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
        Path trace = dir.resolve("list.trace");
        record(trace, "list", "1", "40");
        Run replay = Rseqdbg.launch("replay", "--json", trace.toString()).timeout(TIMEOUT).run().requireExit(0);
        assertTrue(replay.lastLine().contains("\"matched\":true"), replay.describe());
        assertTrue(replay.lastLine().contains("\"divergence\":null"), replay.describe());
    }

    @Test
    void signalsAreDeliveredAtTheirRecordedInstructions() {
        Path trace = dir.resolve("storm.trace");
        Run recorded = record(trace, "signal-storm", "1", "4", "0", "3000");
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

    @Test
    void aChangedArgumentDivergesWithThreadInstructionAndBothEvents() {
        Run replay = Rseqdbg.launch("replay", counterTrace.toString(), "--",
                Targets.path("counter").toString(), "1", "49").timeout(TIMEOUT).run();
        replay.requireExit(1);
        assertTrue(replay.stdout().contains("replay diverged: thread 0, instruction "), replay.describe());
        assertTrue(replay.stdout().contains("expected: 0\t"), replay.describe());
        assertTrue(replay.stdout().contains("enter percpu_counter_add"), replay.describe());
    }

    @Test
    void traceShowPrintsTheHeaderScheduleAndEventsInStepsWords() {
        Run show = Rseqdbg.launch("trace", "show", counterTrace.toString()).timeout(TIMEOUT).run().requireExit(0);
        assertTrue(show.stdout().contains("command: " + Targets.path("counter") + " 1 50"), show.describe());
        assertTrue(show.stdout().contains("kernel "), show.describe());
        assertEquals(50, show.stdout().lines().filter(l -> l.matches("0\t\\d+\tcommitted percpu_counter_add\\+\\d+ at .*")).count(),
                show.describe());
        Run json = Rseqdbg.launch("trace", "show", "--json", counterTrace.toString()).timeout(TIMEOUT).run().requireExit(0);
        assertTrue(json.lastLine().startsWith("{\"header\":{\"formatVersion\":1"), json.describe());
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
