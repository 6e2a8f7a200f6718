package io.rseqdbg.cli;

import io.rseqdbg.stepper.Progress;
import io.rseqdbg.stepper.StepListener;
import io.rseqdbg.stepper.StepPolicy;
import io.rseqdbg.stepper.Stepper;
import io.rseqdbg.stepper.Summary;
import io.rseqdbg.stepper.TraceWriter;
import io.rseqdbg.stepper.StepRun;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
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
                .desc("write one line per stop to FILE").get());
        o.addOption(Option.builder().longOpt("bind").optionalArg(true).numberOfArgs(1).argName("CPU")
                .desc("run the program and rseqdbg on one CPU (default: the program's) for full stepping speed").get());
        o.addOption(Option.builder().longOpt("json").desc("print the summary as JSON on stdout").get());
        o.addOption(Option.builder().longOpt("pid").hasArg().argName("PID")
                .desc("attach to a running process instead of starting one").get());
        o.addOption(Option.builder("h").longOpt("help").desc("print this help").get());
        return o;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine line;
        try {
            line = DefaultParser.builder().get().parse(options(), args, true);
        } catch (ParseException e) {
            throw new UsageException(e.getMessage() + " (try: rseqdbg step --help)");
        }
        if (line.hasOption("help")) {
            out.println("usage: rseqdbg step [--policy skip|inside|opv|none] [--max-steps N] [--trace FILE]"
                    + " [--bind[=CPU]] [--json] [--pid PID | -- PROGRAM ARGS...]");
            options().getOptions().forEach(o -> out.printf("  --%-10s %s%n", o.getLongOpt(), o.getDescription()));
            return 0;
        }
        StepPolicy policy = policy(line.getOptionValue("policy", "skip"));
        long maxSteps = number(line, "max-steps", 0);
        List<String> program = line.getArgList();
        if (!program.isEmpty() && program.get(0).startsWith("-") && !List.of(args).contains("--")) {
            throw new UsageException("unknown option " + program.get(0) + " (try: rseqdbg step --help)");
        }
        boolean demo = false;
        if (line.hasOption("pid") && !program.isEmpty()) {
            throw new UsageException("give either --pid or a program, not both");
        }
        if (!line.hasOption("pid") && program.isEmpty()) {
            program = List.of(demoTarget().toString());
            demo = true;
        }
        BufferedWriter trace = openTrace(line.getOptionValue("trace"));

        Summary summary = new Summary();
        Progress progress = System.console() != null && !line.hasOption("json") ? new Progress(err, summary) : null;
        if (demo) {
            err.println("rseqdbg: no program given, stepping the bundled demo: " + DEMO
                    + ", a per-cpu counter incremented inside an rseq critical section");
        }
        StepRun run = line.hasOption("pid") ? StepRun.attach((int) number(line, "pid", -1)) : StepRun.launch(program);
        AtomicReference<TraceWriter> writer = new AtomicReference<>();
        if (line.hasOption("bind")) {
            int cpu = (int) number(line, "bind", -1);
            if (cpu >= 0) {
                String pidDir = line.hasOption("pid") ? line.getOptionValue("pid") : "self";
                String allowed = CpuList.of(Path.of("/proc", pidDir, "status"));
                if (!CpuList.contains(allowed, cpu)) {
                    throw new UsageException("--bind=" + cpu + ": the program may not run on CPU " + cpu
                            + " (its CPUs: " + allowed + ")");
                }
            }
            run.bind(cpu);
        }
        JobStopNotice jobStops = new JobStopNotice(err, line.hasOption("pid") ? number(line, "pid", -1) : 0);
        run.policy(policy).maxSteps(maxSteps).listeners(names -> {
            StepListener listener = summary.andThen(jobStops);
            if (progress != null) {
                listener = listener.andThen(progress);
            }
            if (trace != null) {
                writer.set(new TraceWriter(trace, names));
                listener = listener.andThen(writer.get());
            }
            summary.startClock();
            return listener;
        });
        installStopHandlers(run);
        StepRun.Result result;
        try {
            result = run.run();
        } catch (UsageException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        } catch (Exception e) {
            if (System.getenv("RSEQDBG_DEBUG") != null) {
                e.printStackTrace();
            }
            err.println("rseqdbg step: " + describe(e));
            return Main.EXIT_USAGE;
        } finally {
            summary.stopClock();
            if (writer.get() != null) {
                writer.get().close();
            }
        }
        Stepper.End end = result.end();
        Integer status = result.exitStatus(); // null: an attached process goes on, not ours to wait for
        if (progress != null) {
            progress.finish();
        }
        if (line.hasOption("json")) {
            out.println(StepReport.json(policy, end, summary, status, result.boundCpu()));
        } else {
            StepReport.text(policy, end, summary, status, result.boundCpu(), demo, err);
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

    private static StepPolicy policy(String word) {
        try {
            return StepPolicy.parse(word);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static long number(CommandLine line, String option, long otherwise) {
        String value = line.getOptionValue(option);
        if (value == null) {
            return otherwise;
        }
        try {
            long n = Long.parseLong(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + option + " wants a non-negative number, not '" + value + "'");
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

    private static BufferedWriter openTrace(String file) {
        if (file == null) {
            return null;
        }
        try {
            return Files.newBufferedWriter(Path.of(file));
        } catch (IOException e) {
            throw new UsageException("cannot write the trace file " + file + ": " + e.getMessage());
        }
    }

    private static String describe(Exception e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }

}
