package io.rseqdbg.stepper;

import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

/** A program under rseqdbg's control, launched by it or attached to, stopped until stepped. */
public interface TracedProgram extends AutoCloseable {

    /** Runs {@code task} on the one thread allowed to drive {@link #inferior()}, and waits for it. */
    <T> T call(Callable<T> task) throws Exception;

    Inferior inferior();

    /**
     * {@code --bind}: every thread of the program, those it starts, and the tracer on one CPU
     * ({@code cpu}, or the one the program last ran on when negative) until detach, which gives
     * each thread its own mask back. Returns the CPU; throws IllegalArgumentException when the
     * program may not run there.
     */
    int bind(int cpu);

    /** The threads the program had when it came under control, all stopped. */
    List<Integer> threads();

    /**
     * After a detach, waits for a launched program to end and returns its exit status (128 +
     * signal when killed); empty for an attached process, which is not ours to wait for.
     */
    OptionalInt awaitExit() throws InterruptedException;

    /** Detaches if still attached, restoring every byte changed; safe to call twice. */
    @Override
    void close();
}
