package io.rseqdbg.tests.scenario;

import io.rseqdbg.tests.support.Json;
import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@code rseqdbg step --policy P --json -- TARGET ARGS}: every instruction of the program single-stepped. */
public final class CliFrontEnd implements FrontEnd {

    @Override
    public String name() {
        return "cli";
    }

    @Override
    public boolean supports(Scenario scenario) {
        return true;
    }

    @Override
    public Ending run(Scenario scenario) {
        List<String> args = new ArrayList<>(List.of("step", "--policy", scenario.policy(), "--json", "--",
                Targets.path(scenario.target()).toString()));
        args.addAll(scenario.args());
        Targets.Run run = Rseqdbg.launch(args.toArray(String[]::new)).timeout(Duration.ofSeconds(180)).run();
        long met = -1;
        String json = run.lastLine();
        if (json.startsWith("{")) {
            met = ((Number) Json.object(json).get("criticalSectionsMet")).longValue();
        }
        return new Ending(FrontEnd.resultLine(run.stdout()), run.timedOut() ? -1 : run.exitCode(), met, run.describe());
    }
}
