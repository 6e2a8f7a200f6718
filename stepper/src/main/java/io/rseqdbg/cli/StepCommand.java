package io.rseqdbg.cli;

import io.rseqdbg.ptrace.Tracer;
import io.rseqdbg.stepper.Progress;
import io.rseqdbg.stepper.StepListener;
import io.rseqdbg.stepper.StepPolicy;
import io.rseqdbg.stepper.Stepper;
import io.rseqdbg.stepper.Summary;
import io.rseqdbg.stepper.TraceWriter;
import io.rseqdbg.stepper.StepRun;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import sun.misc.Signal;

/**
 * {@code rseqdbg step}: single-steps a program to completion under a critical-section policy and
 * reports what happened. The program's stdio passes through and its exit status is ours.
 */
final class StepCommand implements Command {

    static final String DEMO = "demo-counter";

    @Override
    public String name() {
        return "step";
    }

    @Override
    public String summary() {
        return "single-step a program (default: the bundled demo) without getting stuck in rseq";
    }

    private static Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("policy").hasArg().argName("skip|inside|opv|none")
                .desc("what to do at critical sections (default skip)").get());
        o.addOption(Option.builder().longOpt("max-steps").hasArg().argName("N")
                .desc("detach after N steps and let the program finish").get());
        o.addOption(Option.builder().longOpt("trace").hasArg().argName("FILE")
                .desc("write one line per stop to FILE (a new file; never through a symbolic link)").get());
        o.addOption(Option.builder().longOpt("force").desc("let --trace replace an existing FILE").get());
        o.addOption(Option.builder().longOpt("bind").optionalArg(true).numberOfArgs(1).argName("CPU")
                .desc("run the program and rseqdbg on one CPU (default: the program's) for full stepping speed").get());
        o.addOption(Option.builder().longOpt("json").desc("print the summary as JSON on stdout").get());
        o.addOption(Option.builder().longOpt("pid").hasArg().argName("PID")
                .desc("attach to a running process instead of starting one").get());
        o.addOption(Option.builder().longOpt("jvm-tracer")
                .desc("with --pid: trace from rseqdbg's JVM, about twice as fast, but if rseqdbg is killed"
                        + " with SIGKILL the program most likely dies with it (default: rseqdbg-tracer, a"
                        + " process of its own, lets the program go whatever happens to rseqdbg)").get());
        o.addOption(Option.builder("h").longOpt("help").desc("print this help").get());
        return o;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine line = CommandLines.parse(name(), options(), args, true);
        if (line.hasOption("help")) {
            CommandLines.help(out, "rseqdbg step [--policy skip|inside|opv|none] [--max-steps N] [--trace FILE [--force]]"
                    + " [--bind[=CPU]] [--json] [--pid PID [--jvm-tracer] | -- PROGRAM ARGS...]", options(), 10);
            return 0;
        }
        StepPolicy policy = policy(line.getOptionValue("policy", "skip"));
        long maxSteps = CommandLines.number(line, "max-steps", 0, 0, Long.MAX_VALUE);
        CommandLines.refuseUnknownOption(name(), line, args);
        List<String> program = line.getArgList();
        boolean demo = false;
        if (line.hasOption("pid") && !program.isEmpty()) {
            throw new UsageException("give either --pid or a program, not both");
        }
        if (line.hasOption("jvm-tracer") && !line.hasOption("pid")) {
            throw new UsageException("--jvm-tracer goes with --pid: a program rseqdbg starts is always traced from its JVM");
        }
        if (!line.hasOption("pid") && program.isEmpty()) {
            program = List.of(demoTarget().toString());
            demo = true;
        }
        BufferedWriter trace = openTrace(line.getOptionValue("trace"), line.hasOption("force"));

        Summary summary = new Summary();
        Progress progress = System.console() != null && !line.hasOption("json") ? new Progress(err, summary) : null;
        if (demo) {
            err.println("rseqdbg: no program given, stepping the bundled demo: " + DEMO
                    + ", a per-cpu counter incremented inside an rseq critical section");
        }
        StepRun run = line.hasOption("pid")
                ? StepRun.attach((int) CommandLines.number(line, "pid", -1, 0, Integer.MAX_VALUE),
                        line.hasOption("jvm-tracer") ? Tracer.Holder.JVM : Tracer.Holder.TRACER_PROCESS)
                : StepRun.launch(program);
        AtomicReference<TraceWriter> writer = new AtomicReference<>();
        if (line.hasOption("bind")) {
            // the CPU is checked against the program's own CPUs once it is there (StepRun)
            run.bind((int) CommandLines.number(line, "bind", -1, 0, Integer.MAX_VALUE));
        }
        JobStopNotice jobStops = new JobStopNotice(err,
                line.hasOption("pid") ? (int) CommandLines.number(line, "pid", -1, 0, Integer.MAX_VALUE) : 0);
        run.policy(policy).maxSteps(maxSteps).listeners(names -> {
            StepListener listener = summary.andThen(jobStops);
            if (progress != null) {
                listener = listener.andThen(progress);
            }
            if (trace != null) {
                writer.set(new TraceWriter(trace, names, line.getOptionValue("trace")));
                listener = listener.andThen(writer.get());
            }
            summary.startClock();
            return listener;
        });
        installStopHandlers(run);
        StepRun.Result result;
        boolean ran = false;
        try {
            result = run.run();
            ran = true;
        } catch (UsageException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        } catch (Exception e) {
            return CommandLines.failed(err, "rseqdbg step", e);
        } finally {
            summary.stopClock();
            if (!ran) {
                closeQuietly(writer.get());
            }
        }
        try {
            if (writer.get() != null) {
                writer.get().close(); // the last lines are written here: a full disk shows now
            }
        } catch (java.io.UncheckedIOException e) {
            return CommandLines.failed(err, "rseqdbg step", e);
        }
        Stepper.End end = result.end();
        Integer status = result.exitStatus(); // null: an attached process goes on, not ours to wait for
        if (progress != null) {
            progress.finish();
        }
        if (line.hasOption("json")) {
            out.println(StepReport.json(policy, end, summary, status, result.boundCpu()));
        } else {
            StepReport.text(policy, end, summary, status, result.killedBy(), result.boundCpu(), demo, err);
        }
        if (end != Stepper.End.EXITED && status == null) {
            jobStops.afterDetach(); // attached: the program is not ours to wait for, say how it was left
        }
        return status == null ? 0 : status;
    }

    /**
     * The first Ctrl-C, SIGTERM or SIGHUP (a closed terminal) detaches cleanly and lets the program finish; a second one
     * ends rseqdbg at once (the program, detached already, is unaffected).
     */
    private static void installStopHandlers(StepRun run) {
        for (String name : List.of("INT", "TERM", "HUP")) {
            Signal signal = new Signal(name);
            Signal.handle(signal, s -> {
                run.requestStop();
                Signal.handle(signal, again -> Runtime.getRuntime().halt(128 + again.getNumber()));
            });
        }
    }

    /** After a failed run, whose one line says what went wrong: a second failure adds nothing. */
    private static void closeQuietly(TraceWriter writer) {
        try {
            if (writer != null) {
                writer.close();
            }
        } catch (RuntimeException e) {
            // the run's own failure is the one reported
        }
    }

    private static StepPolicy policy(String word) {
        try {
            return StepPolicy.parse(word);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static Path demoTarget() {
        String home = System.getProperty("rseqdbg.home", ".");
        Path demo = Path.of(home, "tests", "target", "native", DEMO);
        if (!Files.isExecutable(demo)) {
            throw new UsageException("the demo target " + demo + " is not built (run: mvn -DskipTests package)");
        }
        return demo;
    }

    private static BufferedWriter openTrace(String file, boolean force) {
        if (file == null) {
            return null;
        }
        return new BufferedWriter(new OutputStreamWriter(OutputFiles.create(Path.of(file), force, "--force"),
                StandardCharsets.UTF_8));
    }

}
