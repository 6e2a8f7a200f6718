package io.rseqdbg.cli;

import io.rseqdbg.ptrace.AllowedCpus;
import io.rseqdbg.stepper.StepPolicy;
import io.rseqdbg.stepper.StepRun;
import io.rseqdbg.stepper.Summary;
import io.rseqdbg.stepper.replay.Recorder;
import io.rseqdbg.stepper.replay.TraceFormat;
import io.rseqdbg.stepper.replay.TraceRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code rseqdbg record -o TRACE}: steps a program like {@code step}, one thread at a time on one
 * CPU (so that the interleaving and every cpu_id are recorded facts), and writes a trace.
 */
final class RecordCommand implements Command {

    static final long DEFAULT_SLICE = 10_000;
    static final long DEFAULT_BLOCK_TIMEOUT_MS = 100;

    @Override
    public String name() {
        return "record";
    }

    @Override
    public String summary() {
        return "step a program one thread at a time and record its events to a trace file";
    }

    private static Options options() {
        Options o = new Options();
        o.addOption(Option.builder("o").longOpt("output").hasArg().argName("TRACE")
                .desc("the trace file to write (a new file; never through a symbolic link)").get());
        o.addOption(Option.builder().longOpt("force").desc("replace an existing TRACE").get());
        o.addOption(Option.builder().longOpt("policy").hasArg().argName("skip|inside|opv|none")
                .desc("what to do at critical sections (default skip)").get());
        o.addOption(Option.builder().longOpt("slice").hasArg().argName("N")
                .desc("instructions a thread runs before the next one's turn (default " + DEFAULT_SLICE + ")").get());
        o.addOption(Option.builder().longOpt("block-timeout").hasArg().argName("MS")
                .desc("a step that takes longer is blocked in the kernel: switch threads (default "
                        + DEFAULT_BLOCK_TIMEOUT_MS + ")").get());
        o.addOption(Option.builder().longOpt("chaos").hasArg().argName("SEED")
                .desc("--chaos[=SEED]: switch threads at random instruction counts, inside sections too"
                        + " (seeded; default seed from the time, printed)").get());
        o.addOption(Option.builder().longOpt("json").desc("print the summary as JSON on stdout").get());
        o.addOption(Option.builder("h").longOpt("help").desc("print this help").get());
        return o;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine line = CommandLines.parse(name(), options(), bareChaos(args), true);
        if (line.hasOption("help")) {
            CommandLines.help(out, "rseqdbg record -o TRACE [--force] [--policy P] [--slice N] [--block-timeout MS]"
                    + " [--chaos[=SEED]] [--json] [--] PROGRAM ARGS...", options(), 14);
            return 0;
        }
        List<String> program = line.getArgList();
        if (!line.hasOption("output")) {
            throw new UsageException("-o TRACE is required (try: rseqdbg record --help)");
        }
        if (program.isEmpty()) {
            throw new UsageException("no program to record (try: rseqdbg record --help)");
        }
        CommandLines.refuseUnknownOption(name(), line, args);
        StepPolicy policy;
        try {
            policy = StepPolicy.parse(line.getOptionValue("policy", "skip"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        long slice = CommandLines.number(line, "slice", DEFAULT_SLICE, 1, Long.MAX_VALUE);
        long timeout = CommandLines.number(line, "block-timeout", DEFAULT_BLOCK_TIMEOUT_MS, 1, Long.MAX_VALUE);
        int cpu = AllowedCpus.ofThisProcess().first(); // the run is on one CPU, recorded so replay can use it too
        boolean chaos = line.hasOption("chaos");
        long seed = chaos ? seed(line.getOptionValue("chaos")) : 0;
        if (chaos && line.getOptionValue("chaos").isEmpty()) {
            err.println("rseqdbg: chaos seed " + seed + " (record again with --chaos=" + seed + ")");
        }
        TraceRecord.Header header = new TraceRecord.Header(TraceFormat.VERSION, Main.version(), program,
                Path.of("").toAbsolutePath().toString(), kernelRelease(), Runtime.getRuntime().availableProcessors(),
                cpu, policy.word(), slice, timeout, environment(), chaos, seed);
        Path file = Path.of(line.getOptionValue("output"));
        // Created here, exclusively (or, with --force, truncated without following a link); the
        // recorder then opens the regular file this made, which nobody else may replace in a sticky /tmp.
        try (var created = OutputFiles.create(file, line.hasOption("force"), "--force")) {
            // only its creation was wanted
        } catch (IOException e) {
            throw new UsageException("cannot write " + file + ": " + e.getMessage());
        }
        Summary summary = new Summary();
        StepRun.Result result;
        long bytes;
        try (Recorder recorder = new Recorder(file, header)) {
            StepRun run = StepRun.launchRepeatable(program, null, null).policy(policy).bind(cpu).listeners(names -> {
                summary.startClock();
                return summary;
            });
            recorder.attachTo(run);
            result = run.run();
            recorder.close();
            bytes = recorder.bytes();
        } catch (IOException e) {
            err.println("rseqdbg record: cannot write " + file + ": " + e.getMessage());
            return Main.EXIT_USAGE;
        } catch (io.rseqdbg.stepper.replay.TraceOutput.WriteFailure e) {
            // A write failed (a full disk): the program was let go, the trace is cut short.
            return CommandLines.failed(err, "rseqdbg record", new IOException("cannot write " + file + ": "
                    + e.getCause().getMessage(), e));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        } catch (Exception e) {
            return CommandLines.failed(err, "rseqdbg record", e);
        } finally {
            summary.stopClock();
        }
        Integer status = result.exitStatus();
        if (line.hasOption("json")) {
            out.println(StepReport.json(policy, result.end(), summary, status, result.boundCpu()));
        } else {
            StepReport.text(policy, result.end(), summary, status, result.boundCpu(), false, err);
            err.printf(Locale.ROOT, "rseqdbg: trace %s: %,d bytes (%,.0f bytes per million instructions)%n", file, bytes,
                    summary.steps() == 0 ? 0.0 : bytes * 1e6 / summary.steps());
        }
        return status == null ? 0 : status;
    }

    /** A bare {@code --chaos} (before the program) becomes {@code --chaos=}: it never takes the program as its seed. */
    private static String[] bareChaos(String[] args) {
        String[] out = args.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i].equals("--")) {
                break;
            }
            if (out[i].equals("--chaos")) {
                out[i] = "--chaos=";
            } else if (!out[i].startsWith("-") && (i == 0 || !takesValue(out[i - 1]))) {
                break; // the program: its own arguments are its own
            }
        }
        return out;
    }

    private static boolean takesValue(String option) {
        return List.of("-o", "--output", "--policy", "--slice", "--block-timeout").contains(option);
    }

    private static long seed(String value) {
        if (value.isEmpty()) {
            return Recorder.chaosSeedFromTime();
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--chaos wants a number as its seed, not '" + value + "'");
        }
    }

    /** The program's environment (this process's, which it inherits), {@code NAME=VALUE} sorted by name. */
    static List<String> environment() {
        return new java.util.TreeMap<>(System.getenv()).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    static String kernelRelease() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
