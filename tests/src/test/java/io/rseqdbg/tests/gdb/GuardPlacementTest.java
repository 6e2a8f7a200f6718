package io.rseqdbg.tests.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bridge never plants a breakpoint inside a section or on the 4 signature bytes before its
 * abort handler, even for tables that {@code rseqdbg check} flags: its guards sit where the Java
 * side's filtered ways out say. Read from gdb's own breakpoint list while every guard is armed.
 */
class GuardPlacementTest {

    private record Section(long start, long postCommit, long abort) {
    }

    private static final Pattern SECTION = Pattern.compile(
            "start 0x([0-9a-f]+) post-commit 0x([0-9a-f]+) abort 0x([0-9a-f]+)");
    /** The bridge's guards: gdb's internal breakpoints of type "breakpoint" (gdb's own have other types). */
    private static final Pattern GUARD = Pattern.compile("^-\\d+\\s+breakpoint\\s+keep\\s+([yn])\\s+0x([0-9a-f]+)");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"bad/exit-inside", "bad/no-signature", "counter-c2"})
    void noGuardInsideASectionOrOnItsSignature(String target) {
        GdbSession.Result r = GdbSession.bridge(target)
                .ex("break main", "run", "rseq info")
                .python("""
                        import rseqdbg_gdb
                        process = rseqdbg_gdb.bridge().process
                        for guards in process.guard_sets():
                            guards.arm(True)
                            guards.arm_slow_paths(True)
                            for p in process._placements:
                                guards.arm_exits(p, True)
                        """)
                .ex("maint info breakpoints", "kill").run();
        List<Section> sections = new ArrayList<>();
        Matcher s = SECTION.matcher(r.output());
        while (s.find()) {
            sections.add(new Section(Long.parseUnsignedLong(s.group(1), 16), Long.parseUnsignedLong(s.group(2), 16),
                    Long.parseUnsignedLong(s.group(3), 16)));
        }
        assertTrue(!sections.isEmpty(), r.describe());
        List<Long> guards = new ArrayList<>();
        for (String line : r.output().lines().toList()) {
            Matcher g = GUARD.matcher(line);
            if (g.find()) {
                assertEquals("y", g.group(1), "every guard armed: " + line + "\n" + r.describe());
                guards.add(Long.parseUnsignedLong(g.group(2), 16));
            }
        }
        // an entry and at least post-commit and abort per section
        assertTrue(guards.size() >= 3 * sections.size(), guards + "\n" + r.describe());
        for (Section cs : sections) {
            for (long at : guards) {
                assertTrue(at < cs.start() || at >= cs.postCommit(),
                        String.format("guard 0x%x inside [0x%x, 0x%x)%n%s", at, cs.start(), cs.postCommit(), r.describe()));
                assertTrue(at < cs.abort() - 4 || at >= cs.abort(),
                        String.format("guard 0x%x on the signature before 0x%x%n%s", at, cs.abort(), r.describe()));
            }
            assertTrue(guards.contains(cs.postCommit()) || cs.postCommit() >= cs.abort() - 4 && cs.postCommit() < cs.abort(),
                    r.describe());
            assertTrue(guards.contains(cs.abort()), r.describe());
        }
    }
}
