package io.rseqdbg.stepper.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.rseqdbg.fuzz.FuzzInput;
import io.rseqdbg.fuzz.Mutations;
import io.rseqdbg.fuzz.ReadBound;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reader behind {@code replay} and {@code trace show}, fuzzed (issue 12): for any bytes it
 * gives records to the end or one {@link TraceException} whose message is one line naming the
 * file; never another exception, within a time and an allocation bound. The records are also put
 * in words as {@code trace show} does ({@link TraceText}), which reads module paths the trace names.
 * <p>
 * Seeds: real recordings ({@link TraceInputs#recordings()}). The default suite runs the seeds, the
 * regression inputs in {@code TraceReaderFuzzTestInputs}, and {@value #MUTATIONS} deterministic
 * mutations; {@code mvn -B -Pfuzz verify -pl stepper -am} fuzzes with Jazzer for
 * {@value #FUZZ_EXECUTIONS} executions. The first byte of a fuzz input picks whether the block
 * checksums are made right before reading, so the fuzzer gets past the CRC32 to the records.
 */
class TraceReaderFuzzTest {

    static final int MUTATIONS = 2_000;
    static final long FUZZ_EXECUTIONS = 100_000;
    /** Per input: real traces read in well under a millisecond; far below a hang. */
    static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(10);
    static final String NAME = "fuzz-input";

    static Stream<Arguments> recordings() {
        return TraceInputs.recordings().stream().map(i -> Arguments.of(Named.of(i.name(), withMode(i.bytes(), true))));
    }

    @MethodSource("recordings")
    @FuzzTest(maxExecutions = FUZZ_EXECUTIONS, maxDuration = "60m")
    @Timeout(30) // per input; while fuzzing, Jazzer's -timeout
    void anyBytesGiveRecordsOrOneTraceException(byte[] input) {
        if (input.length == 0) {
            readsToTheEndOrOneTraceException(input);
            return;
        }
        byte[] trace = java.util.Arrays.copyOfRange(input, 1, input.length);
        readsToTheEndOrOneTraceException((input[0] & 1) != 0 ? TraceInputs.withRightChecksums(trace) : trace);
    }

    /** A fuzz input: the mode byte (1: fix the checksums) and the trace. */
    static byte[] withMode(byte[] trace, boolean fixChecksums) {
        byte[] b = new byte[trace.length + 1];
        b[0] = (byte) (fixChecksums ? 1 : 0);
        System.arraycopy(trace, 0, b, 1, trace.length);
        return b;
    }

    static Stream<Arguments> mutationBatches() {
        List<FuzzInput> seeds = TraceInputs.recordings();
        return Mutations.bySeed(seeds, TraceInputs.mutations(seeds, MUTATIONS, 12));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mutationBatches")
    void mutatedRecordingsGiveRecordsOrOneTraceException(String seed, List<FuzzInput> mutations) {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (FuzzInput m : mutations) {
                try {
                    readsToTheEndOrOneTraceException(m.bytes());
                } catch (AssertionError e) {
                    throw new AssertionError(m.name() + " (kept as " + TraceInputs.keep(m) + "): " + e.getMessage(), e);
                }
            }
        });
    }

    @Test
    void theMutationsCoverEveryRecordingWithTheAgreedNumberOfInputs() {
        List<Arguments> batches = mutationBatches().toList();
        assertTrue(batches.size() >= 4, "recordings: " + batches.size());
        assertEquals(MUTATIONS, batches.stream().mapToInt(a -> ((List<?>) a.get()[1]).size()).sum());
    }

    @Test
    void everyRecordingReadsCleanlyToItsEnd() {
        for (FuzzInput r : TraceInputs.recordings()) {
            TraceReader reader = new TraceReader(new ByteArrayInputStream(r.bytes()), r.name());
            int records = 0;
            while (reader.next() != null) {
                records++;
            }
            assertTrue(records > 0, r.name());
        }
    }

    /**
     * The property. Allocation: the reader holds one block (at most 1 MiB, and only as many bytes
     * as the input has); each record of two or three bytes becomes an object and a line of text
     * (measured: about 150 bytes allocated per input byte for a trace of signals). So a fixed
     * amount plus a bounded multiple of the input; a length or count field claiming more cannot
     * pass it.
     */
    static void readsToTheEndOrOneTraceException(byte[] input) {
        ReadBound.assertBounded(() -> readOnce(input), MAX_NANOS, (4L << 20) + 512L * input.length);
    }

    private static void readOnce(byte[] input) {
        try (TraceReader reader = new TraceReader(new ByteArrayInputStream(input), NAME)) {
            TraceText words = new TraceText();
            assertFalse(words.line(reader.header()).contains("\n"));
            // Each record is at least one byte: the loop ends with the input.
            for (TraceRecord r; (r = reader.next()) != null; ) {
                String line = words.line(r);
                assertEquals(2, line.chars().filter(c -> c == '\t').limit(2).count(), line);
            }
        } catch (TraceException e) {
            assertTrue(e.getMessage().startsWith(NAME + ": "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            fail("the reader threw " + e, e);
        }
    }
}
