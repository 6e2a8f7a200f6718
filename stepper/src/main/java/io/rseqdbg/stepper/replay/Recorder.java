package io.rseqdbg.stepper.replay;

import io.rseqdbg.stepper.StepListener;
import io.rseqdbg.stepper.StepRun;
import io.rseqdbg.stepper.Stepper;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * {@code rseqdbg record}: a serialized {@link StepRun} whose events and schedule stream into a
 * trace file ({@link TraceOutput}) as they happen, so memory stays bounded however long the run.
 */
public final class Recorder implements AutoCloseable {

    private final TraceOutput out;
    private final Scheduler scheduler;

    public Recorder(Path file, TraceRecord.Header header) throws IOException {
        this.out = new TraceOutput(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
        out.write(header);
        this.scheduler = new Scheduler(header.sliceLength(), header.blockTimeoutMillis(), out::write);
        if (header.chaos()) {
            scheduler.chaos(header.chaosSeed());
        }
    }

    /** Makes {@code run} a recorded one: one thread at a time, everything written to the trace. */
    public StepRun attachTo(StepRun run) {
        return run.serialize(scheduler).stepperListener(this::listener);
    }

    private StepListener listener(Supplier<Stepper> stepper) {
        return new Stamper(stepper, out::write);
    }

    /** A seed for {@code --chaos} without one: from the time (print it: it names the schedule). */
    public static long chaosSeedFromTime() {
        return Chaos.seedFromTime();
    }

    public long bytes() {
        return out.bytes();
    }

    @Override
    public void close() {
        out.close();
    }
}
