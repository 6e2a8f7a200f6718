package io.rseqdbg.stepper.replay;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.SplittableRandom;

/**
 * {@code record --chaos}: the random decisions of the recording scheduler, all drawn from one
 * seeded generator so that a seed names a schedule (on the same program and machine). Slices end
 * at random counts. A thread in a section is preempted with probability 1/{@link #ENTRY_ODDS} at
 * its entry (under skip, the section's only stop) and 1/{@link #INSIDE_ODDS} at each later stop
 * (inside, opv's fallback); the kernel turns that into an abort when the thread runs again (the
 * stepper carries it out at once: nothing of the section is visible in between), and another
 * thread runs. Replay needs none of this: the slices and aborts are in the trace.
 */
final class Chaos {

    /** One preemption in this many entries: aborts by the hundred, yet the runtime's 4 tries mostly commit. */
    static final int ENTRY_ODDS = 3;
    /** One in this many at each later stop: about half of a 10-instruction section stepped inside aborts. */
    static final int INSIDE_ODDS = 24;
    /** A thread last seen blocked in the kernel is tried again once in this many switches (a join, a lock). */
    private static final int RETRY_BLOCKED_ODDS = 8;

    private final SplittableRandom random;
    private final long meanSlice;
    private long sliceEnd;
    private boolean switchNow;
    /** Threads whose last slice ended blocked: picking them mostly costs a block timeout. */
    private final Set<Integer> blocked = new HashSet<>();

    Chaos(long seed, long meanSlice) {
        this.random = new SplittableRandom(seed);
        this.meanSlice = meanSlice;
        this.sliceEnd = draw();
    }

    /** A fresh seed when none is given: the time, printed so the run can be recorded again. */
    static long seedFromTime() {
        return System.nanoTime() ^ System.currentTimeMillis();
    }

    boolean endSlice(long sliceSteps) {
        return switchNow || sliceSteps >= sliceEnd;
    }

    boolean preemptInside(int stop) {
        if (random.nextInt(stop <= 1 ? ENTRY_ODDS : INSIDE_ODDS) != 0) {
            return false;
        }
        switchNow = true;
        return true;
    }

    int next(int logical, long sliceSteps, boolean wasBlocked, boolean exited, SortedSet<Integer> runnable) {
        switchNow = false;
        if (exited) {
            blocked.clear(); // an exit may release a join
        } else if (wasBlocked) {
            blocked.add(logical);
        } else {
            blocked.remove(logical);
        }
        List<Integer> others = new ArrayList<>(runnable);
        others.remove(Integer.valueOf(logical));
        List<Integer> ready = new ArrayList<>(others);
        ready.removeAll(blocked);
        List<Integer> from = ready.isEmpty() || random.nextInt(RETRY_BLOCKED_ODDS) == 0 ? others : ready;
        if (from.isEmpty()) {
            sliceEnd = sliceSteps + draw(); // alone: its slice goes on
            return exited ? -1 : logical;
        }
        sliceEnd = draw();
        return from.get(random.nextInt(from.size()));
    }

    private long draw() {
        return 1 + random.nextLong(2 * meanSlice);
    }
}
