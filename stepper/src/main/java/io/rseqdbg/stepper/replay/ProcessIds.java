package io.rseqdbg.stepper.replay;

import java.util.HashMap;
import java.util.Map;

/**
 * Recorded process and thread ids against the live ones of the replay: each recorded id stands
 * for one live id, and no live id for two recorded ones. Ids are not repeatable across runs; how
 * they pair up is.
 */
final class ProcessIds {

    private final Map<Long, Long> live = new HashMap<>();
    private final Map<Long, Long> recorded = new HashMap<>();

    /** Whether live {@code actual} can stand for recorded {@code expected}; the first sight pairs them. */
    boolean same(long expected, long actual) {
        if (expected <= 0 || actual <= 0) {
            return expected == actual; // 0 (the child of a fork) and -errno are plain results
        }
        Long known = live.get(expected);
        if (known != null) {
            return known == actual;
        }
        if (recorded.containsKey(actual)) {
            return false;
        }
        live.put(expected, actual);
        recorded.put(actual, expected);
        return true;
    }
}
