package io.rseqdbg.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.rseqdbg.elf.internal.Malformed;
import io.rseqdbg.elf.internal.Symbols;
import io.rseqdbg.fuzz.FuzzInput;
import io.rseqdbg.fuzz.Mutations;
import io.rseqdbg.fuzz.ReadBound;
import java.nio.ByteBuffer;
import java.nio.file.Path;
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
 * The reader behind {@code rseqdbg table} and {@code check}, fuzzed: for any bytes at all it
 * gives tables or one {@link ElfReadException} whose message is one line naming the file; never
 * another exception (nor one the reader's own boundary had to catch), within a time and an
 * allocation bound.
 * <p>
 * The default suite runs the fuzz target on the specimens (its seeds) and on the regression
 * inputs in {@code ElfReaderFuzzTestInputs}, and {@value #MUTATIONS} deterministic mutations of
 * the specimens through the same property. {@code mvn -Pfuzz verify -pl elf-reader} fuzzes it
 * with Jazzer, coverage-guided, for {@value #FUZZ_EXECUTIONS} executions (README: Fuzzing).
 */
class ElfReaderFuzzTest {

    static final int MUTATIONS = 2_000;
    static final long FUZZ_EXECUTIONS = 100_000;
    /**
     * Per input: far above any real read (under 50 ms for these files, a few seconds on a machine
     * at a load average of 50), far below a hang.
     */
    static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final Path NAME = Path.of("fuzz-input");

    /** The seeds: every dynamically linked specimen (the static ones, ~1 MB each, slow the fuzzer down). */
    static Stream<Arguments> specimens() {
        return FuzzInputs.specimens(false).stream().map(i -> Arguments.of(Named.of(i.name(), i.bytes())));
    }

    @MethodSource("specimens")
    @FuzzTest(maxExecutions = FUZZ_EXECUTIONS, maxDuration = "60m")
    @Timeout(30) // per input; while fuzzing, Jazzer's -timeout
    void anyBytesGiveTablesOrOneCleanError(byte[] input) {
        readsToTablesOrOneCleanError(input);
    }

    static Stream<Arguments> mutationBatches() {
        List<FuzzInput> seeds = FuzzInputs.specimens(true);
        return Mutations.bySeed(seeds, FuzzInputs.mutations(seeds, MUTATIONS, 12));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mutationBatches")
    void mutatedSpecimensGiveTablesOrOneCleanError(String seed, List<FuzzInput> mutations) {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (FuzzInput m : mutations) {
                try {
                    readsToTablesOrOneCleanError(m.bytes());
                } catch (AssertionError e) {
                    throw new AssertionError(m.name() + " (kept as " + FuzzInput.keep(m.name(), m.bytes()) + "): " + e.getMessage(), e);
                }
            }
        });
    }

    @Test
    void theMutationsCoverEverySpecimenWithTheAgreedNumberOfInputs() {
        List<Arguments> batches = mutationBatches().toList();
        int total = batches.stream().mapToInt(a -> ((List<?>) a.get()[1]).size()).sum();
        assertEquals(MUTATIONS, total);
        assertTrue(batches.stream().allMatch(a -> !((List<?>) a.get()[1]).isEmpty()), "a specimen without mutations");
    }

    /**
     * The property. The allocation bound: a few MiB of fixed-size tables at most (the relocation
     * maps) plus a small multiple of the input; a size or count field claiming gigabytes cannot
     * pass it. Allocation is what a second read of the same input costs: the first one in a JVM
     * also loads (and, while fuzzing, instruments) the reader's classes.
     */
    static void readsToTablesOrOneCleanError(byte[] input) {
        ReadBound.assertBounded(() -> readOnce(input), MAX_NANOS, (4L << 20) + 64L * input.length);
    }

    /** Reads {@code input} as {@code rseqdbg table} and {@code check} do. */
    private static void readOnce(byte[] input) {
        try {
            ElfImage image = ElfImage.of(NAME, ByteBuffer.wrap(input));
            try {
                Symbols.of(image);
            } catch (Malformed e) {
                // a corrupt symbol table: the reader then names nothing, as RseqTables does
            }
            RseqTables tables = RseqTables.read(image);
            for (CriticalSection cs : tables.criticalSections()) {
                tables.nameOf(cs.start());
                tables.nameOf(cs.abort());
                tables.containing(cs.start());
                cs.exits().forEach(tables::nameOf);
            }
            tables.problems().forEach(p -> assertFalse(p.message().contains("\n"), p.message()));
            tables.nameOf(0);
            tables.nameOf(-1);
        } catch (ElfReadException e) {
            assertTrue(e.getMessage().startsWith(NAME + ": "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            // RseqTables.read turns any other exception into "unreadable (...)": that is a reader bug
            // the boundary hid, not a diagnosis.
            assertFalse(e.problem().startsWith("unreadable ("), e.getMessage());
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            fail("the reader threw " + e, e);
        }
    }
}
