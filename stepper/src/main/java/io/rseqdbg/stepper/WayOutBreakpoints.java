package io.rseqdbg.stepper;

import io.rseqdbg.elf.CriticalSection;
import java.util.ArrayList;
import java.util.List;

/**
 * The temporary breakpoints a section is run to: at its ways out, never inside it and never on
 * the signature before its abort handler ({@link SectionRules#waysOut}), all removed together.
 */
final class WayOutBreakpoints {

    private final Inferior inferior;
    private final List<Long> planted = new ArrayList<>();

    WayOutBreakpoints(Inferior inferior) {
        this.inferior = inferior;
    }

    void plant(CriticalSection cs) {
        for (long at : SectionRules.waysOut(cs)) {
            inferior.insertBreakpoint(at);
            planted.add(at);
        }
    }

    void removeAll() {
        planted.forEach(inferior::removeBreakpoint);
        planted.clear();
    }
}
