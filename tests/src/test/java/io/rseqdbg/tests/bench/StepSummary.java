package io.rseqdbg.tests.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The fields of {@code rseqdbg step --json} (README, "JSON schema") that the benchmarks print. */
record StepSummary(String policy, long steps, double seconds, long criticalSectionsMet,
                   long committed, long aborts, List<Section> sections, boolean abortLoop) {

    /** One entry of {@code criticalSections[]}. */
    record Section(String name, long committed, long aborted, long exited, long redirected, double stopsPerPass) {
        long passes() {
            return committed + aborted + exited + redirected;
        }
    }

    private static final Pattern SECTION = Pattern.compile("\\{\"name\":\"([^\"]+)\",\"committed\":(\\d+),"
            + "\"aborted\":(\\d+),\"exited\":(\\d+),\"redirected\":(\\d+),\"stopsPerPass\":([0-9.]+)}");

    /** Parses the JSON line; fails (with the line) when a field is missing. */
    static StepSummary parse(String json) {
        List<Section> sections = new ArrayList<>();
        Matcher m = SECTION.matcher(json);
        while (m.find()) {
            sections.add(new Section(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                    Long.parseLong(m.group(4)), Long.parseLong(m.group(5)), Double.parseDouble(m.group(6))));
        }
        return new StepSummary(text(json, "policy"), (long) number(json, "steps"),
                number(json, "seconds"), (long) number(json, "criticalSectionsMet"), (long) number(json, "committed"),
                (long) number(json, "aborts"), List.copyOf(sections), json.contains("\"abortLoop\":"));
    }

    /** The section whose name starts with {@code function + "+"}. */
    Section section(String function) {
        return sections.stream().filter(s -> s.name().startsWith(function + "+")).findFirst()
                .orElseThrow(() -> new AssertionError("no critical section in " + function + " among " + sections));
    }

    private static double number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(-?[0-9.]+)").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no " + field + " in " + json);
        }
        return Double.parseDouble(m.group(1));
    }

    private static String text(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no " + field + " in " + json);
        }
        return m.group(1);
    }
}
