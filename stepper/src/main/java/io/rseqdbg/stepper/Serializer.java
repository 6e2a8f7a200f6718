package io.rseqdbg.stepper;

import io.rseqdbg.ptrace.Syscall;
import io.rseqdbg.stepper.Inferior.Stop;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.ObjIntConsumer;

/**
 * The mechanism of a serialized run: one thread of the program resumed at any moment, the others
 * parked (stopped, with the resume they were due and its signal kept), and a watchdog that
 * notices when the running thread's step does not come back because it blocked in the kernel.
 * Which thread runs and for how long is the {@link Schedule}'s to say.
 *
 * <p>Why a watchdog: a thread that waits in a syscall for another thread (pthread_join, a futex)
 * would wait forever while that thread is parked. When a step takes longer than the schedule's
 * timeout the watchdog interrupts it ({@link Inferior#wakeUp()}, safe from any thread); only an
 * {@link Stop.Interrupted} stop that follows counts as blocked, so a slow tracer is no block.
 */
final class Serializer implements AutoCloseable {

    private final Schedule schedule;
    private final Inferior inferior;
    private final ObjIntConsumer<SteppedThread> resume;
    private final Map<SteppedThread, Integer> logical = new HashMap<>();
    private final Map<Integer, SteppedThread> byLogical = new HashMap<>();
    /** Parked threads and the signal each is to get when resumed (0: none). */
    private final Map<SteppedThread, Integer> parked = new LinkedHashMap<>();
    private SteppedThread current;
    private long sliceStart;
    private boolean blocked;
    private final Watchdog watchdog;

    /** @param resume the stepper's own resume of a thread (its {@code proceed}) */
    Serializer(Schedule schedule, Inferior inferior, ObjIntConsumer<SteppedThread> resume) {
        this.schedule = schedule;
        this.inferior = inferior;
        this.resume = resume;
        this.watchdog = Watchdog.oncePerArming("rseqdbg-block-watchdog", inferior, schedule.blockTimeoutMillis());
    }

    /** A thread came under control: it gets the next logical id (creation order). */
    void started(SteppedThread t) {
        if (!logical.containsKey(t)) {
            int id = logical.size();
            logical.put(t, id);
            byLogical.put(id, t);
        }
    }

    int logicalOf(SteppedThread t) {
        return logical.getOrDefault(t, -1);
    }

    /** Every stop of a thread: the running one's step came back (or was interrupted). */
    void stopped(SteppedThread t, Stop stop) {
        if (t != current) {
            return;
        }
        watchdog.disarm();
        t.restartPending = stop instanceof Stop.SyscallStepped c && c.call().restarts();
        if (watchdog.takeFired()) {
            // A trap that beat the interrupt was only a slow step, not a block.
            blocked = stop instanceof Stop.Interrupted;
        }
    }

    /**
     * The stepper is about to resume {@code t} with {@code signal}: {@link Schedule.Directive#PARK}
     * when it must not (parked, or another thread's turn came), {@code RUN} to resume it, or what
     * the schedule wants done first (a signal to deliver, an abort to carry out).
     */
    Schedule.Directive admit(SteppedThread t, int signal) {
        if (current == null) {
            current = t;
            sliceStart = t.steps;
        }
        if (t != current) {
            park(t, signal);
            return Schedule.Directive.PARK;
        }
        if (signal == 0 && switchAllowed(t)) {
            int id = logicalOf(t);
            long slice = t.steps - sliceStart;
            // A block describes the last step only: once the schedule has seen it, it is spent,
            // whether the slice ends here or not (replay may go on to the recorded count first).
            boolean wasBlocked = blocked;
            blocked = false;
            if (schedule.endSlice(id, slice, wasBlocked, () -> atSyscall(t))) {
                int next = schedule.next(id, slice, wasBlocked, false, runnable(t));
                if (next != id) {
                    park(t, 0);
                    switchTo(byLogical.get(next));
                    return Schedule.Directive.PARK;
                }
            }
        }
        if (signal == 0 && forcible(t)) {
            Schedule.Directive d = schedule.before(logicalOf(t), t.steps, t.section == null ? 0 : Math.max(1, t.stops),
                    parked.isEmpty());
            // A blocked signal is not injected: the recording saw it delivered when the thread
            // unblocked it (a sigprocmask step), so the live one, pending here too, comes there.
            boolean blockedSignal = d.kind() == Schedule.Directive.Kind.SIGNAL && t.section == null
                    && blocks(t, d.signal());
            if (d.kind() == Schedule.Directive.Kind.ANSWER) {
                watchdog.arm(); // a call that turns out not to be the recorded one runs
            }
            if (d.kind() != Schedule.Directive.Kind.RUN && !blockedSignal) {
                return d;
            }
        }
        watchdog.arm();
        return Schedule.Directive.RUN;
    }

    /**
     * Replay: the system call {@code t} is about to make returns the recorded answer without the
     * kernel running it. The stop its step would have come back with, or null when its next
     * instruction is not that call: it runs, and the comparison with the recording tells.
     */
    Stop answer(SteppedThread t, SyscallAnswer a) {
        Syscall call = inferior.answerSyscall(t.tid, a.number(), a.result());
        if (call == null) {
            return null;
        }
        a.outputs().forEach(o -> inferior.write(call.args().get(o.arg()), o.bytes()));
        return new Stop.SyscallStepped(t.tid, inferior.pc(t.tid), call);
    }

    /** skip, at an entry store: whether the section may run with the kernel's protection. */
    boolean runProtected(SteppedThread t) {
        return schedule.runProtected(logicalOf(t), t.steps);
    }

    /** A live signal stop: false when the schedule drops it (replay delivers recorded ones only). */
    boolean deliverLive(SteppedThread t, int signal) {
        return schedule.deliverLive(logicalOf(t), t.steps, signal, t.section != null);
    }

    /** A thread ended: forget it; when it was the running one, the next one runs. */
    void exited(SteppedThread t) {
        parked.remove(t);
        if (t != current) {
            return;
        }
        watchdog.disarm();
        current = null;
        boolean wasBlocked = blocked;
        blocked = false;
        int next = schedule.next(logicalOf(t), t.steps - sliceStart, wasBlocked, true, runnable(null));
        if (next >= 0 && byLogical.containsKey(next) && parked.containsKey(byLogical.get(next))) {
            switchTo(byLogical.get(next));
        }
    }

    /** After exec only {@code keep} remains. */
    void retainOnly(SteppedThread keep) {
        parked.keySet().removeIf(t -> t != keep);
        if (current != keep) {
            current = null;
        }
    }

    private static final long AT_NULL = 0;
    private static final long AT_IGNORE = 1;
    private static final long AT_SYSINFO_EHDR = 33;

    /**
     * At the program's first instruction (a serialized run launches it stopped there) and at
     * each later exec: turns the program's {@code AT_SYSINFO_EHDR} auxv entry into
     * {@code AT_IGNORE}, so that the C library finds no vDSO and reads the time through real
     * syscalls. A vDSO time read retries on its own when a clock tick lands in it, which a
     * single-stepped read spanning milliseconds often sees: its instruction count is not
     * repeatable. The auxv follows argc, argv and envp at the start of the stack.
     */
    void hideVdso() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", String.valueOf(inferior.pid()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long at = Long.parseUnsignedLong(f[25]); // field 28, startstack: the address of argc
            long argc = inferior.readLong(at);
            at += 8 * (argc + 2); // argc, argv[], NULL
            while (inferior.readLong(at) != 0) {
                at += 8; // envp[]
            }
            at += 8;
            for (int i = 0; i < 64; i++, at += 16) {
                long type = inferior.readLong(at);
                if (type == AT_NULL) {
                    return;
                }
                if (type == AT_SYSINFO_EHDR) {
                    inferior.writeLong(at, AT_IGNORE);
                    return;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // no vDSO hidden: time reads may then make a replay diverge (README)
        }
    }

    private void switchTo(SteppedThread next) {
        int signal = parked.remove(next);
        current = next;
        sliceStart = next.steps;
        try {
            resume.accept(next, signal);
        } catch (RuntimeException e) {
            if (!inferior.threadGone(next.tid)) {
                throw e;
            }
            next.running = true; // dying with the process: its exit is on the way
        }
    }

    private void park(SteppedThread t, int signal) {
        t.running = false;
        Integer had = parked.get(t);
        parked.put(t, had != null && had != 0 ? had : signal); // never lose a signal it is due
    }

    /**
     * Whether the thread's next instruction is {@code syscall} (x86-64: 0f 05), or the call it
     * was interrupted in, which the kernel restarts when it resumes.
     */
    private boolean atSyscall(SteppedThread t) {
        if (t.restartPending) {
            return true;
        }
        try {
            byte[] code = inferior.read(inferior.pc(t.tid), 2);
            return code.length == 2 && code[0] == 0x0f && code[1] == 0x05;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Only where the thread's own state allows: never inside a section nor while holding others. */
    private static boolean switchAllowed(SteppedThread t) {
        return t.section == null && t.mode == SteppedThread.Mode.STEPPING;
    }

    /**
     * Where the schedule may direct a thread: outside sections, and inside one the stepper drives
     * (rseq_cs cleared or, at a skip entry, not yet begun). Never under none, where the kernel
     * itself aborts at every stop.
     */
    private static boolean forcible(SteppedThread t) {
        return switch (t.mode) {
            case STEPPING -> t.section == null;
            case INSIDE, STEPPING_THROUGH, RUNNING_TO_EXIT -> t.section != null;
            case WATCHING -> false;
        };
    }

    private SortedSet<Integer> runnable(SteppedThread running) {
        SortedSet<Integer> ids = new TreeSet<>();
        parked.keySet().forEach(p -> {
            if (logical.containsKey(p)) {
                ids.add(logical.get(p));
            }
        });
        if (running != null) {
            ids.add(logicalOf(running));
        }
        return ids;
    }

    /** Whether {@code t} blocks {@code signal} now ({@code SigBlk} of its /proc status). */
    private boolean blocks(SteppedThread t, int signal) {
        java.nio.file.Path status = java.nio.file.Path.of("/proc", String.valueOf(inferior.pid()), "task",
                String.valueOf(t.tid), "status");
        try {
            for (String line : java.nio.file.Files.readAllLines(status)) {
                if (line.startsWith("SigBlk:")) {
                    long mask = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    return (mask & (1L << (signal - 1))) != 0;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // gone or unreadable: inject, as without the check
        }
        return false;
    }

    @Override
    public void close() {
        watchdog.close();
    }
}
