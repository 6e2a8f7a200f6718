package io.rseqdbg.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** Deterministic mutations of seeds for the default suite: the same inputs every run for one seed. */
public final class Mutations {

    /** One to a few changes to a copy of {@code original}, each described in {@code what}. */
    public interface Mutator {
        byte[] mutate(byte[] original, Random random, StringBuilder what);
    }

    private Mutations() {
    }

    /**
     * {@code count} mutations spread evenly over {@code seeds}; each name says how to make it again
     * (seed, mutation number, what changed).
     */
    public static List<FuzzInput> of(List<FuzzInput> seeds, int count, long randomSeed, Mutator mutator) {
        List<FuzzInput> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            FuzzInput seed = seeds.get(i % seeds.size());
            Random random = new Random(randomSeed * 1_000_003L + i);
            StringBuilder what = new StringBuilder();
            byte[] bytes = mutator.mutate(seed.bytes(), random, what);
            out.add(new FuzzInput(seed.name() + " #" + i + ":" + what, bytes));
        }
        return out;
    }

    /** {@code (seed name, its mutations)} per seed: one batch each, so that a failure names its seed in the test's name. */
    public static Stream<Arguments> bySeed(List<FuzzInput> seeds, List<FuzzInput> mutations) {
        return seeds.stream().map(seed -> Arguments.of(seed.name(),
                mutations.stream().filter(m -> m.name().startsWith(seed.name() + " #")).toList()));
    }
}
