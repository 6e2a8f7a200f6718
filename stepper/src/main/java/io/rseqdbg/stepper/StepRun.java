package io.rseqdbg.stepper;

import io.rseqdbg.ptrace.Tracer;
import io.rseqdbg.stepper.ptrace.PtraceProgram;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * One stepped run of a program, from launch or attach to detach: what {@code rseqdbg step} does,
 * as a library call that other front ends (record, replay) reuse.
 *
 * <pre>
 * StepRun.Result r = StepRun.launch(List.of("./counter", "2", "100"))
 *         .policy(StepPolicy.INSIDE).listener(summary).run();
 * </pre>
 */
public final class StepRun {

    /**
     * How long a section run at full speed may last before rseqdbg looks whether it left.
     * Sections are tens of instructions: a run still inside after that long is rare (a spinning
     * section, a loaded machine) and costs one interrupt.
     */
    public static final long UNDECLARED_EXIT_MILLIS = 200;


    /**
     * How a run ended. {@code exitStatus} is the program's (128 + signal when killed), or null
     * for an attached program that rseqdbg detached from and that goes on; {@code killedBy} the
     * signal that killed the program under rseqdbg (then the status is 128 + it), else 0.
     */
    public record Result(Stepper.End end, Integer exitStatus, int boundCpu, int killedBy) {

        /** A run whose program was not seen killed by a signal. */
        public Result(Stepper.End end, Integer exitStatus, int boundCpu) {
            this(end, exitStatus, boundCpu, 0);
        }

        /** True when the run was on one CPU ({@code --bind}); {@link #boundCpu} says which. */
        public boolean bound() {
            return boundCpu >= 0;
        }
    }

    private final ProgramSource source;
    private StepPolicy policy = StepPolicy.SKIP;
    private long maxSteps;
    /** {@code --bind}: null for free placement, a CPU, or -1 for the one the program last ran on. */
    private Integer bindCpu;
    private Function<LongFunction<String>, StepListener> listeners = names -> event -> { };
    private Function<Supplier<Stepper>, StepListener> stepperListener = stepper -> event -> { };
    private Schedule schedule;
    private final AtomicReference<Stepper> stepper = new AtomicReference<>();
    private volatile boolean stopRequested;

    /** Starts the program, or attaches to it: a launch or an attach, made when the run starts. */
    private interface ProgramSource {
        TracedProgram open();
    }

    private StepRun(ProgramSource source) {
        this.source = source;
    }

    /** A run of {@code command}, started stopped at its first instruction; its stdio is ours. */
    public static StepRun launch(List<String> command) {
        List<String> copy = List.copyOf(command);
        return new StepRun(() -> PtraceProgram.launch(copy));
    }

    /**
     * A run of {@code command} as record and replay make one: address randomisation off, with
     * exactly {@code environment} (null: rseqdbg's own) in {@code directory} (null: rseqdbg's own).
     */
    public static StepRun launchRepeatable(List<String> command, java.util.Map<String, String> environment,
                                           java.nio.file.Path directory) {
        List<String> copy = List.copyOf(command);
        java.util.Map<String, String> env = environment == null ? null : java.util.Map.copyOf(environment);
        return new StepRun(() -> PtraceProgram.launchRepeatable(copy, env, directory));
    }

    /** A run of the running process {@code pid}, attached to and detached from at the end. */
    public static StepRun attach(int pid) {
        return attach(pid, Tracer.Holder.TRACER_PROCESS);
    }

    /** As {@link #attach(int)}, the attachment held by {@code holder}. */
    public static StepRun attach(int pid, Tracer.Holder holder) {
        return new StepRun(() -> PtraceProgram.attach(pid, holder));
    }

    public StepRun policy(StepPolicy policy) {
        this.policy = Objects.requireNonNull(policy);
        return this;
    }

    /** Detaches after {@code maxSteps} steps (0: no limit) and lets the program finish. */
    public StepRun maxSteps(long maxSteps) {
        this.maxSteps = maxSteps;
        return this;
    }

    /** Runs the whole program and the tracer on one CPU ({@code cpu}, or when -1 the program's own). */
    public StepRun bind(int cpu) {
        this.bindCpu = cpu;
        return this;
    }

    /**
     * Who hears the run's events, made once the program is under control: {@code names} gives
     * {@code symbol+offset} for an address of the program.
     */
    public StepRun listeners(Function<LongFunction<String>, StepListener> listeners) {
        this.listeners = Objects.requireNonNull(listeners);
        return this;
    }

    /**
     * One more listener, made once the program is under control, that may ask the stepper about
     * the program ({@link Stepper#moduleAt}, {@link Stepper#cpuOf}) while it hears an event.
     */
    public StepRun stepperListener(Function<Supplier<Stepper>, StepListener> listener) {
        this.stepperListener = Objects.requireNonNull(listener);
        return this;
    }

    /** One thread at a time, chosen by {@code schedule} ({@link Stepper#serialize}). */
    public StepRun serialize(Schedule schedule) {
        this.schedule = Objects.requireNonNull(schedule);
        return this;
    }

    /** Safe from any thread (a signal handler): ends the run at its next stop, detaching cleanly. */
    public void requestStop() {
        stopRequested = true;
        Stepper s = stepper.get();
        if (s != null) {
            s.requestStop();
        }
    }

    /** Runs the program to its end, to {@link #maxSteps} or to {@link #requestStop}, and detaches. */
    public Result run() throws Exception {
        try (TracedProgram traced = source.open()) {
            int boundCpu = bindCpu == null ? -1 : traced.bind(bindCpu);
            Stepper.End end = traced.call(() -> {
                StepListener listener = listeners.apply(pc -> stepper.get().nameOf(pc))
                        .andThen(stepperListener.apply(stepper::get));
                Stepper s = new Stepper(traced.inferior(), traced.threads(), policy, maxSteps, listener);
                if (schedule != null) {
                    s.serialize(schedule);
                }
                stepper.set(s);
                if (stopRequested) {
                    s.requestStop(); // asked before the stepper existed
                }
                return s.run();
            });
            if (end == Stepper.End.EXITED) {
                return new Result(end, stepper.get().exit().status(), boundCpu, stepper.get().exit().signal());
            }
            OptionalInt after = traced.awaitExit();
            return new Result(end, after.isPresent() ? after.getAsInt() : null, boundCpu);
        }
    }
}
