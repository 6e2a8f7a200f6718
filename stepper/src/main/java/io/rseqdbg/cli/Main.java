package io.rseqdbg.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code rseqdbg} command line. Commons CLI has no subcommands: the first word picks the
 * command, which parses the rest of the arguments with its own options.
 */
public final class Main {

    /** rseqdbg's own errors: bad usage or unreadable input (DESIGN.md, Conventions). */
    public static final int EXIT_USAGE = 2;

    private static final List<Command> COMMANDS = List.of(
            // each module's subcommands register here, in the order --help lists them
            new StepCommand(),
            new RecordCommand(),
            new ReplayCommand(),
            new TraceCommand(),
            new TableCommand(),
            new CheckCommand(),
            new SectionCommand(),
            new StatusCommand(),
            new GdbCommand()
    );

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(usage());
            return 0;
        }
        if (args[0].equals("--version")) {
            out.println("rseqdbg " + version());
            return 0;
        }
        Command command = commands().get(args[0]);
        if (command == null) {
            err.println(CommandLines.oneLine("rseqdbg: unknown command '" + args[0] + "' (try: rseqdbg --help)"));
            return EXIT_USAGE;
        }
        try {
            return command.run(Arrays.copyOfRange(args, 1, args.length), out, err);
        } catch (UsageException e) {
            err.println(CommandLines.oneLine("rseqdbg " + command.name() + ": " + e.getMessage()));
            return EXIT_USAGE;
        } catch (RuntimeException e) {
            // the last guard: one line and exit 2, never a stack trace (RSEQDBG_DEBUG shows it)
            return CommandLines.failed(err, "rseqdbg " + command.name(), e);
        }
    }

    private static Map<String, Command> commands() {
        Map<String, Command> byName = new LinkedHashMap<>();
        for (Command c : COMMANDS) {  // a loop, not a lambda: the first lambda costs a short run milliseconds
            byName.put(c.name(), c);
        }
        return byName;
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }

    static String usage() {
        StringBuilder text = new StringBuilder()
                .append("usage: rseqdbg COMMAND [OPTIONS]\n\n")
                .append("Makes programs that use Linux restartable sequences (rseq) debuggable.\n\n")
                .append("Commands:\n");
        for (Command c : COMMANDS) {
            text.append(String.format("  %-10s %s%n", c.name(), c.summary()));
        }
        text.append(String.format("  %-10s %s%n", "--version", "print the version"));
        text.append(String.format("  %-10s %s%n", "--help", "print this help"));
        text.append("\nrseqdbg COMMAND --help describes one command.\n");
        return text.toString();
    }
}
