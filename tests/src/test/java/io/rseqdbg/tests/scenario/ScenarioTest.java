package io.rseqdbg.tests.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.gdb.GdbFrontEnd;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Scenario}s through every {@link FrontEnd}: the program ends with its own correct result
 * line and exit status 0, whichever front end drove it and under whichever policy. A new front end
 * (record/replay) is one more entry in {@link #FRONT_ENDS}.
 *
 * <p>To keep the default suite short, the CLI (it steps every instruction, the dynamic loader's
 * too) runs {@link Scenario#diagonal()} (each target and each policy once) and gdb another diagonal
 * (each target under another policy); {@code -Drseqdbg.scenarios=all}
 * runs every scenario through every front end.
 */
class ScenarioTest {

    static final List<FrontEnd> FRONT_ENDS = List.of(new CliFrontEnd(), new GdbFrontEnd());

    static Stream<Arguments> runs() {
        boolean all = "all".equals(System.getProperty("rseqdbg.scenarios"));
        return FRONT_ENDS.stream().flatMap(f -> scenarios(f, all).stream().map(s -> Arguments.of(f.name(), f, s)));
    }

    private static List<Scenario> scenarios(FrontEnd f, boolean all) {
        if (all) {
            return Scenario.all();
        }
        if (f instanceof CliFrontEnd) {
            return Scenario.diagonal();
        }
        return Scenario.diagonal(2); // other policies per target than the CLI's
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("runs")
    void theProgramEndsWithItsExpectedResult(String name, FrontEnd frontEnd, Scenario scenario) {
        Assumptions.assumeTrue(frontEnd.supports(scenario), name + " does not run " + scenario);
        FrontEnd.Ending end = frontEnd.run(scenario);
        assertTrue(end.resultLine().startsWith(scenario.expected()),
                "expected a result line starting '" + scenario.expected() + "'\n" + end.describe());
        assertEquals(0, end.exitStatus(), end.describe());
        if (!scenario.policy().equals("none")) {
            assertTrue(end.sectionsMet() > 0, "the policy met a critical section\n" + end.describe());
        }
    }
}
