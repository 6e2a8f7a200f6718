package io.rseqdbg.cli;

import java.io.PrintStream;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/**
 * What every subcommand does with its words the same way: parse them with Commons CLI, print its
 * help, read a number flag, and turn an unexpected failure into one line and exit status 2.
 */
final class CommandLines {

    private CommandLines() {
    }

    /**
     * @param stopAtProgram true when the first word that is not an option starts the traced
     *     program's command line (its own options are not ours)
     */
    static CommandLine parse(String command, Options options, String[] args, boolean stopAtProgram) {
        try {
            return DefaultParser.builder().get().parse(options, args, stopAtProgram);
        } catch (ParseException e) {
            throw new UsageException(e.getMessage() + " (try: rseqdbg " + command + " --help)");
        }
    }

    /** The syntax line, then one line per option with its long name padded to {@code width}. */
    static void help(PrintStream out, String syntax, Options options, int width) {
        out.println("usage: " + syntax);
        options.getOptions().forEach(o -> out.printf("  --%-" + width + "s %s%n", o.getLongOpt(), o.getDescription()));
    }

    /** A word before the program that looks like an option we do not know (no {@code --} given). */
    static void refuseUnknownOption(String command, CommandLine line, String[] args) {
        if (!line.getArgList().isEmpty() && line.getArgList().get(0).startsWith("-")
                && !java.util.List.of(args).contains("--")) {
            throw new UsageException("unknown option " + line.getArgList().get(0) + " (try: rseqdbg " + command + " --help)");
        }
    }

    /**
     * The value of a number flag, at least {@code min} and at most {@code max}; {@code otherwise}
     * when the flag is absent. Anything else is a usage error naming the flag.
     */
    static long number(CommandLine line, String option, long otherwise, long min, long max) {
        String value = line.getOptionValue(option);
        if (value == null) {
            return otherwise;
        }
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            n = min - 1;
        }
        if (n < min) {
            throw new UsageException("--" + option + " wants " + (min > 0 ? "a positive" : "a non-negative")
                    + " number, not '" + value + "'");
        }
        if (n > max) {
            throw new UsageException("--" + option + " " + value + " is too large (at most " + max + ")");
        }
        return n;
    }

    /**
     * A failure that is neither bad usage nor a finding: one line on {@code err} (the stack trace
     * only with {@code RSEQDBG_DEBUG} set) and exit status 2.
     */
    static int failed(PrintStream err, String prefix, Exception e) {
        if (System.getenv("RSEQDBG_DEBUG") != null) {
            e.printStackTrace();
        }
        err.println(oneLine(prefix + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())));
        return Main.EXIT_USAGE;
    }

    /**
     * {@code text} with its control characters written as escapes: a message that echoes a user's
     * value ("not '1\n2'") stays one line, and a terminal escape in it is shown, not obeyed.
     */
    static String oneLine(String text) {
        StringBuilder s = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                s.append("\\n");
            } else if (c < 0x20 && c != '\t' || c == 0x7f) {
                s.append(String.format("\\u%04x", (int) c));
            } else {
                s.append(c);
            }
        }
        return s.toString();
    }
}
