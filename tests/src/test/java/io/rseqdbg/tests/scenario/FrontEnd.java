package io.rseqdbg.tests.scenario;

/**
 * A way to run a program under rseqdbg: the CLI ({@code rseqdbg step}), gdb with the bridge, and
 * later record/replay. Each runs a {@link Scenario} to the program's end and says how it ended.
 */
public interface FrontEnd {

    String name();

    /** False for a scenario this front end cannot run (then the test is skipped, not passed). */
    boolean supports(Scenario scenario);

    Ending run(Scenario scenario);

    /**
     * How a run ended.
     *
     * @param resultLine the program's own last {@code ok ...} or {@code FAIL ...} line, "" when none
     * @param exitStatus the program's exit status (128 + signal when killed), -1 when unknown
     * @param sectionsMet critical sections the front end reported handling
     * @param describe everything the run printed, for assertion messages
     */
    record Ending(String resultLine, int exitStatus, long sectionsMet, String describe) {
    }

    /** The program's last line that starts with "ok " or "FAIL" in {@code output}, else "". */
    static String resultLine(String output) {
        String found = "";
        for (String line : output.lines().toList()) {
            if (line.startsWith("ok ") || line.startsWith("FAIL")) {
                found = line;
            }
        }
        return found;
    }
}
