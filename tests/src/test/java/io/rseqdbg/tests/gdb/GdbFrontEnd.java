package io.rseqdbg.tests.gdb;

import io.rseqdbg.tests.scenario.FrontEnd;
import io.rseqdbg.tests.scenario.Scenario;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * gdb with the bridge ({@code rseqdbg gdb}): a breakpoint on every function that holds a critical
 * section; at each of the first three hits {@code stepi 150} (into and through the section, under
 * the policy) and {@code next 3}; then {@code continue} to the end.
 */
public final class GdbFrontEnd implements FrontEnd {

    private static final String DRIVE = """
            import gdb, rseqdbg_gdb
            process = rseqdbg_gdb.bridge().process
            for function in sorted({p.section.name.split("+")[0] for p in process._placements}):
                gdb.Breakpoint(function)
            for _ in range(3):
                gdb.execute("continue")
                if not gdb.selected_inferior().pid:
                    break
                gdb.execute("stepi 150")
                gdb.execute("next 3")
            gdb.execute("delete")
            """;

    private static final Pattern EXITED = Pattern.compile("\\[Inferior 1 \\(process \\d+\\) exited (normally|with code (\\d+))]");
    /** The bridge's line for each section it ran out, redirected or stepped into. */
    private static final String SECTION_LINE = "^rseq: (inside \\S+|\\S+ (committed|aborted|exited|redirected))";

    @Override
    public String name() {
        return "gdb";
    }

    @Override
    public boolean supports(Scenario scenario) {
        return true; // the bridge has all four policies (none is its "off")
    }

    @Override
    public Ending run(Scenario scenario) {
        GdbSession.Result r = GdbSession.bridge(scenario.target(), scenario.args().toArray(String[]::new))
                .ex("rseq policy " + scenario.policy(), "break main", "run", "delete")
                .python(DRIVE)
                .ex("continue").run();
        Matcher exited = EXITED.matcher(r.output());
        int status = !exited.find() ? -1 : exited.group(2) == null ? 0 : Integer.parseInt(exited.group(2), 8);
        return new Ending(FrontEnd.resultLine(r.run().stdout()), status, r.count(SECTION_LINE), r.describe());
    }
}
