package io.rseqdbg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The values of {@code step}'s and {@code record}'s flags, fuzzed through the entry point
 * {@code main} calls ({@link Main#run}): negative, huge, non-numeric, empty, control characters,
 * option-like words. Whatever the value, rseqdbg answers with exit status 2 and one line on stderr,
 * never a stack trace, and names the flag when the value is what is wrong.
 * <p>
 * Nothing is ever traced: the program is {@value #NO_PROGRAM}, so a valid value ends in "no such
 * program" (step), and record's output is in a directory that does not exist, so it stops before
 * launching. {@code --pid} is given with a program, which is refused before any attach, so no
 * fuzzed pid is ever traced. {@code --trace}, which writes where it is told, is not fuzzed.
 */
class CommandLineFuzzTest {

    static final String NO_PROGRAM = "/nonexistent/rseqdbg-fuzz/program";
    static final String NO_OUTPUT = "/nonexistent/rseqdbg-fuzz/out.trace";
    static final int DETERMINISTIC_RUNS = 2_000;

    private static final String[] STEP_FLAGS = {"--policy", "--max-steps", "--bind", "--pid"};
    private static final String[] RECORD_FLAGS = {"--policy", "--slice", "--block-timeout"};
    private static final String[] NUMERIC = {"--max-steps", "--bind", "--pid", "--slice", "--block-timeout"};
    private static final String[] INTERESTING = {"", "-1", "-0", "0", "1", "+1", "007", "2147483647", "2147483648",
            "-2147483649", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
            "99999999999999999999999", "1e3", "0x10", "1.5", " 1", "1 ", "abc", "--", "-", "--json", "-h", "skip",
            "inside", "SKIP", "none\n", "1\n2", "\t", "\u0000", "\u001b[31mred", "é", "٣", "ｓｋｉｐ", "=1"};

    /** One invocation: the command, the flag under test, its value, and the form it is written in. */
    record Invocation(String command, String flag, String value, boolean equalsForm) {

        String[] words() {
            List<String> w = new ArrayList<>(List.of(command));
            if (command.equals("record")) {
                w.addAll(List.of("-o", NO_OUTPUT));
            }
            if (equalsForm) {
                w.add(flag + "=" + value);
            } else {
                w.addAll(List.of(flag, value));
            }
            w.addAll(List.of("--", NO_PROGRAM));
            return w.toArray(String[]::new);
        }
    }

    @FuzzTest(maxExecutions = 100_000, maxDuration = "30m")
    @Timeout(30)
    void anyFlagValueIsOneLineAndExitTwo(FuzzedDataProvider data) {
        boolean step = data.consumeBoolean();
        String[] flags = step ? STEP_FLAGS : RECORD_FLAGS;
        String flag = flags[data.consumeInt(0, flags.length - 1)];
        boolean equalsForm = data.consumeBoolean();
        String value = data.consumeBoolean() ? data.pickValue(INTERESTING) : data.consumeRemainingAsString();
        answersWithOneLineAndExitTwo(new Invocation(step ? "step" : "record", flag, value, equalsForm));
    }

    @Test
    void everyInterestingValueOfEveryFlagIsOneLineAndExitTwo() {
        for (String command : List.of("step", "record")) {
            for (String flag : command.equals("step") ? STEP_FLAGS : RECORD_FLAGS) {
                for (String value : INTERESTING) {
                    for (boolean equalsForm : new boolean[] {false, true}) {
                        answersWithOneLineAndExitTwo(new Invocation(command, flag, value, equalsForm));
                    }
                }
            }
        }
    }

    @Test
    void twoThousandRandomValuesAreOneLineAndExitTwo() {
        Random random = new Random(12);
        for (int i = 0; i < DETERMINISTIC_RUNS; i++) {
            boolean step = random.nextBoolean();
            String[] flags = step ? STEP_FLAGS : RECORD_FLAGS;
            String value = switch (random.nextInt(4)) {
                case 0 -> Long.toString(random.nextLong());
                case 1 -> INTERESTING[random.nextInt(INTERESTING.length)] + INTERESTING[random.nextInt(INTERESTING.length)];
                case 2 -> randomText(random);
                default -> Integer.toString(random.nextInt(64) - 8);
            };
            answersWithOneLineAndExitTwo(new Invocation(step ? "step" : "record", flags[random.nextInt(flags.length)],
                    value, random.nextBoolean()));
        }
    }

    private static String randomText(Random random) {
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(12);
        for (int i = 0; i < n; i++) {
            s.append((char) (random.nextBoolean() ? random.nextInt(0x80) : random.nextInt(0x3000)));
        }
        return s.toString();
    }

    static void answersWithOneLineAndExitTwo(Invocation call) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(call.words(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = err.toString(StandardCharsets.UTF_8);
        String what = call + " -> exit " + status + ", stderr:\n" + text;
        if (!call.equalsForm() && call.value().startsWith("-") && status == 0) {
            // "--bind -h", "--bind --he": --bind takes its value only with '=', and a long option may be
            // shortened to a unique prefix, so this asks for the help, which is printed
            assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: rseqdbg " + call.command()), what);
            return;
        }
        assertEquals(2, status, what);
        assertEquals("", out.toString(StandardCharsets.UTF_8), what);
        assertEquals(1, text.split("\n", -1).length - 1, "one line, ending in a newline: " + what);
        // The line may echo the value (escaped): what a stack trace would show must come from elsewhere.
        String ours = text.replace(CommandLines.oneLine(call.value()), "");
        assertFalse(ours.contains("Exception") || ours.contains("\tat "), what);
        // Split from its flag, a value that starts with '-' is a word of its own to Commons CLI
        // ("Unrecognized option: -1"): the line then names that word instead.
        boolean ownWord = !call.equalsForm() && call.value().startsWith("-");
        if (List.of(NUMERIC).contains(call.flag()) && !validNumber(call.flag(), call.value()) && !ownWord) {
            assertTrue(text.contains(call.flag().substring(2)), "names the flag: " + what);
        }
    }

    /** What the flag accepts: a decimal number in its range (pid and bind are ints, slice and timeout positive). */
    private static boolean validNumber(String flag, String value) {
        try {
            long n = Long.parseLong(value);
            long min = flag.equals("--slice") || flag.equals("--block-timeout") ? 1 : 0;
            long max = flag.equals("--pid") || flag.equals("--bind") ? Integer.MAX_VALUE : Long.MAX_VALUE;
            return n >= min && n <= max;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
