package io.rseqdbg.cli;

import java.io.PrintStream;

/** One {@code rseqdbg} subcommand; parses its own options from the words after its name. */
interface Command {

    String name();

    /** One line for {@code rseqdbg --help}. */
    String summary();

    /**
     * @return the process exit status: the traced program's for {@code step} and {@code record},
     *     0 or 1 for {@code check} and {@code replay}, {@link Main#EXIT_USAGE} for rseqdbg's own errors
     */
    int run(String[] args, PrintStream out, PrintStream err);
}
