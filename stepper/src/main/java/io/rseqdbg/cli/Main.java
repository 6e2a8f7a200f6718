package io.rseqdbg.cli;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code rseqdbg} command line. Commons CLI has no subcommands: the first word picks the
 * command, which parses the rest of the arguments with its own options.
 */
public final class Main {

    /** rseqdbg's own errors: bad usage or unreadable input (DESIGN.md, Conventions). */
    public static final int EXIT_USAGE = 2;

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
        err.println("rseqdbg: unknown command '" + args[0] + "' (try: rseqdbg --help)");
        return EXIT_USAGE;
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }

    static String usage() {
        return String.join(System.lineSeparator(), Arrays.asList(
                "usage: rseqdbg COMMAND [OPTIONS]",
                "",
                "Makes programs that use Linux restartable sequences (rseq) debuggable.",
                "",
                "Commands:",
                "  --version    print the version",
                "  --help       print this help",
                "")) ;
    }
}
