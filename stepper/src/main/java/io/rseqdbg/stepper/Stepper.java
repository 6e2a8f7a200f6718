package io.rseqdbg.stepper;

import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.stepper.Inferior.Stop;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Single-steps every thread of a program and applies a {@link StepPolicy} at rseq critical
 * sections, so that stepping never livelocks (DESIGN.md 3).
 *
 * <p>The kernel decides whether to abort a section when the thread resumes, from the thread's
 * {@code rseq_cs} field. So every policy that lets a thread run on from a stop inside a section
 * first holds every other thread of the program (nobody else can touch the per-cpu data) and
 * clears that field (nothing left to abort). A signal that arrives meanwhile gets the field
 * back before delivery, so the kernel aborts the section exactly as it would untraced.
 *
 * <p>A cleared field also stops the kernel from aborting on migration, and a section must run on
 * one CPU from start to commit. So while its field is cleared a thread is bound to the CPU its
 * rseq area names, and given its own CPU mask back when it leaves; if its CPU changes anyway, or
 * binding is refused, it is sent to the section's abort handler, as the kernel would have done.
 * Where the stepper sees a thread at the store that enters a section ({@link SectionEntries}),
 * skip runs the section from there with the field untouched: the kernel protects it fully.
 *
 * <p>Runs entirely on the calling thread, which must be the one allowed to drive the
 * {@link Inferior} (for ptrace: the tracer thread).
 */
public final class Stepper implements SectionActions {

    /** How a run ended. */
    public enum End { EXITED, MAX_STEPS, STOP_REQUESTED }

    private final Inferior inferior;
    private final SectionPolicy policy;
    private final long maxSteps;
    private final StepListener listener;
    private final SectionLocator sections;
    private final Map<Integer, SteppedThread> threads = new LinkedHashMap<>();
    private final Deque<Stop> backlog = new ArrayDeque<>();
    private final SectionEntries entries = new SectionEntries();
    private final WayOutBreakpoints breakpoints;
    private final ThreadHolds holds;
    private final JobControl jobs;
    private final SectionCpuGuard cpus;
    /** Bounds a run at full speed: one through an undeclared exit would run free, the others held, forever. */
    private final Watchdog runWatch;
    private long steps;
    private volatile boolean stopRequested;
    private Stop.Exited exit;
    /** Serialized runs only (record, replay): who may run now; null otherwise. */
    private Serializer serializer;

    /**
     * @param threads  the program's threads, all stopped
     * @param maxSteps stop stepping (and detach) after this many steps; 0 for no limit
     */
    public Stepper(Inferior inferior, Collection<Integer> threads, StepPolicy policy, long maxSteps,
                   StepListener listener) {
        this.inferior = inferior;
        this.maxSteps = maxSteps;
        this.listener = listener;
        this.sections = new SectionLocator(inferior, List.of());
        this.policy = SectionPolicy.of(policy, sections, entries);
        this.holds = new ThreadHolds(inferior, this.threads);
        this.breakpoints = new WayOutBreakpoints(inferior);
        this.jobs = new JobControl(inferior, listener, t -> proceed(t, 0));
        this.cpus = new SectionCpuGuard(inferior, listener, t -> {
            leave(t, t.section.abort());
            proceed(t, 0);
        });
        this.runWatch = Watchdog.everyPeriod("rseqdbg-run-watch", inferior, StepRun.UNDECLARED_EXIT_MILLIS);
        threads.forEach(tid -> this.threads.put(tid, new SteppedThread(tid)));
    }

    /** Safe from any thread: the run ends at the next stop, leaving the program running untouched. */
    public void requestStop() {
        stopRequested = true;
        inferior.wakeUp();
    }

    /**
     * Runs one thread at a time, chosen by {@code schedule} (record and replay): the others stay
     * stopped. For a program launched stopped at its first instruction; call before {@link #run()}.
     */
    public Stepper serialize(Schedule schedule) {
        this.serializer = new Serializer(schedule, inferior, this::proceed);
        return this;
    }

    /** The module mapping {@code address}, if any (for addresses that must survive ASLR). */
    public java.util.Optional<io.rseqdbg.elf.LoadMap.Module> moduleAt(long address) {
        return sections.map().moduleAt(address);
    }

    /** The CPU the thread's rseq area names ({@code cpu_id}), -1 when none. On the stepping thread only. */
    public int cpuOf(int tid) {
        return inferior.cpuId(tid);
    }

    /** The program's memory now, as a stopped thread sees it. */
    public byte[] memory(long address, int length) {
        return inferior.read(address, length);
    }

    /** Instructions {@code tid} executed since it started, or since the program's exec; 0 when unknown. */
    public long stepsOf(int tid) {
        SteppedThread t = threads.get(tid);
        return t == null ? 0 : t.steps;
    }

    /** The program's exit, when {@link #run()} ended with {@link End#EXITED}. */
    public Stop.Exited exit() {
        return exit;
    }

    /** {@code symbol+offset} or {@code module+0xoffset} of an address in the program. */
    public String nameOf(long address) {
        return sections.nameOf(address);
    }

    public long steps() {
        return steps;
    }

    public End run() {
        try {
            if (serializer != null) {
                serializer.hideVdso();
            }
            threads.values().forEach(t -> {
                if (serializer != null) {
                    serializer.started(t);
                }
                listener.on(new StepEvent.ThreadStarted(t.tid, 0));
            });
            threads.values().forEach(t -> {
                if (inferior.stopPending(t.tid)) {
                    // Its stop comes first: a job-control stop found at attach, or the clone
                    // event of a thread it created while rseqdbg attached.
                    t.running = true;
                } else {
                    proceed(t, 0);
                }
            });
            while (true) {
                Stop stop = backlog.peekFirst();
                if (!(stop instanceof Stop.Exited)) {
                    // A thread caught inside a section gets its rseq_cs back in letGo: it aborts
                    // and retries once let go, as if preempted.
                    if (stopRequested) {
                        return letGo(End.STOP_REQUESTED);
                    }
                    if (limitReached()) {
                        return letGo(End.MAX_STEPS);
                    }
                }
                stop = backlog.isEmpty() ? inferior.next() : backlog.poll();
                if (stop instanceof Stop.Exited e) {
                    exit = e;
                    listener.on(new StepEvent.ProcessExited(e.tid(), e.status(), e.signal()));
                    return End.EXITED;
                }
                handleUnlessGone(stop);
            }
        } catch (RuntimeException e) {
            if (exit == null) {
                letGoQuietly();
            }
            throw e;
        } finally {
            runWatch.close();
            if (serializer != null) {
                serializer.close();
            }
        }
    }

    /** A thread killed under an operation (SIGKILL) is no error: its exit event follows. */
    private void handleUnlessGone(Stop stop) {
        try {
            handle(stop);
        } catch (RuntimeException e) {
            if (!inferior.threadGone(stop.tid())) {
                throw e;
            }
            SteppedThread t = threads.get(stop.tid());
            if (t != null) {
                t.running = true; // nothing more to do for it but wait for its exit
            }
        }
    }

    private void handle(Stop stop) {
        if (stop instanceof Stop.ThreadExited && !threads.containsKey(stop.tid())) {
            return; // not one of the program's threads (a forked child's)
        }
        SteppedThread t = threads.computeIfAbsent(stop.tid(), SteppedThread::new);
        t.running = false;
        // Any stop ends a pending interrupt: the kernel reports none after a trap that beat it.
        t.interruptRequested = false;
        if (serializer != null) {
            serializer.stopped(t, stop);
        }
        if (stop instanceof Stop.ThreadExited) {
            threads.remove(t.tid);
            listener.on(new StepEvent.ThreadExited(t.tid));
            if (holds.isHolder(t)) {
                releaseOthers();
            }
            if (serializer != null) {
                serializer.exited(t);
            }
            return;
        }
        if (stop instanceof Stop.Interrupted) {
            if (t.mode == SteppedThread.Mode.RUNNING_TO_EXIT && leftUndeclared(t)) {
                return;
            }
            if (!holds.heldFrom(t) && !stopRequested) {
                proceed(t, 0);
            }
            return;
        }
        if (holds.heldFrom(t)) {
            t.pending.add(stop); // held: handled once the section is left
            return;
        }
        if (stop instanceof Stop.GroupStopped g) {
            jobs.stopped(t, g.signal(), stopRequested);
        } else if (stop instanceof Stop.Continued) {
            jobs.continued(t);
        } else if (stop instanceof Stop.Forked f) {
            listener.on(new StepEvent.Forked(t.tid, f.child(), f.vfork()));
            proceed(t, 0);
        } else if (stop instanceof Stop.Cloned c) {
            // A thread born while rseqdbg attached is among the threads found then, already
            // going; its creator's clone event comes after. Only a thread not known yet starts.
            if (!threads.containsKey(c.child())) {
                SteppedThread child = new SteppedThread(c.child());
                threads.put(c.child(), child);
                if (serializer != null) {
                    serializer.started(child);
                }
                listener.on(new StepEvent.ThreadStarted(c.child(), t.tid));
                if (holds.holder() == null) {
                    proceed(child, 0);
                }
            }
            proceed(t, 0);
        } else if (stop instanceof Stop.Exec) {
            threads.keySet().retainAll(Set.of(t.tid));
            if (serializer != null) {
                serializer.retainOnly(t);
                serializer.hideVdso();
            }
            sections.reload();
            entries.clear();
            listener.on(new StepEvent.Executed(t.tid, inferior.executable()));
            t.steps = 0; // a new program: record and replay count from its first instruction
            proceed(t, 0);
        } else if (stop instanceof Stop.Signalled s) {
            if (serializer != null && !serializer.deliverLive(t, s.signal())) {
                proceed(t, 0); // replay: only the recorded signals are delivered, where recorded
                return;
            }
            onSignal(t, s);
        } else if (stop instanceof Stop.Trapped trap) {
            onTrap(t, trap.pc());
        } else if (stop instanceof Stop.SyscallStepped c) {
            listener.on(new StepEvent.SyscallReturned(t.tid, c.pc(), c.call()));
            onTrap(t, c.pc());
        }
    }

    private void onSignal(SteppedThread t, Stop.Signalled s) {
        int signal = s.signal();
        listener.on(new StepEvent.SignalDelivered(t.tid, signal, s.info()));
        t.previousPc = -1;
        if (t.protectedRun && !begun(t.section, inferior.pc(t.tid))) {
            // Still at the entry store: the section has not begun. Take the signal as any other.
            cancelProtectedRun(t);
            proceed(t, signal);
            return;
        }
        if (t.section != null) {
            t.stops++;
        }
        if (t.mode == SteppedThread.Mode.WATCHING) {
            t.abortedBySignal = true; // rseq_cs is untouched: the kernel aborts on delivery
        } else if (t.section != null) {
            // Let the kernel abort the section on delivery, as it would untraced; step into the
            // handler rather than let it run unwatched while the other threads are held.
            if (t.savedRseqCs != 0) {
                inferior.setRseqCs(t.tid, t.savedRseqCs);
            }
            t.abortedBySignal = true;
            t.running = true;
            inferior.step(t.tid, signal);
            return;
        }
        proceed(t, signal);
    }

    private void onTrap(SteppedThread t, long pc) {
        switch (t.mode) {
            case STEPPING -> atPc(t, pc);
            case RUNNING_TO_EXIT -> {
                t.stops++;
                if (t.abortedBySignal || SectionRules.isWayOut(t.section, pc)) {
                    leave(t, pc);
                    atPc(t, pc);
                } else {
                    proceed(t, 0); // not one of ours (the program's own trap): carry on
                }
            }
            case STEPPING_THROUGH, INSIDE, WATCHING -> {
                t.stops++;
                if (!t.abortedBySignal && t.section.contains(pc)) {
                    if (cpus.movedOff(t)) {
                        return;
                    }
                    if (t.mode != SteppedThread.Mode.STEPPING_THROUGH) {
                        step(new StepEvent.SectionStepped(t.tid, pc, t.section));
                    }
                    if (t.mode == SteppedThread.Mode.INSIDE) {
                        cpus.clearRseqCs(t); // written only if the program stored it again: a read a stop
                    }
                    proceed(t, 0);
                } else {
                    leave(t, pc);
                    atPc(t, pc);
                }
            }
        }
    }

    /** A thread stopped at {@code pc} outside any section it was in: enter one, or step on. */
    private void atPc(SteppedThread t, long pc) {
        CriticalSection cs = sections.at(t.tid, pc);
        if (cs == null) {
            step(new StepEvent.Stepped(t.tid, pc));
            if (limitReached()) {
                // Left stopped for the detach: a protected run from an entry store would count
                // its entry as one more step in this same stop, past --max-steps.
                return;
            }
            if (!policy.beforeStep(t, pc, this)) {
                t.previousPc = pc;
                proceed(t, 0);
            }
            return;
        }
        entries.learn(inferior, cs, t.previousPc, pc);
        t.previousPc = -1;
        step(new StepEvent.SectionEntered(t.tid, pc, cs));
        t.section = cs;
        t.stops = 1;
        policy.enter(t, cs, this);
    }

    @Override
    public void stepThrough(SteppedThread t) {
        holdOthers(t);
        t.mode = SteppedThread.Mode.INSIDE;
        if (cpus.clearAndBind(t)) {
            proceed(t, 0);
        }
    }

    @Override
    public void watch(SteppedThread t) {
        t.mode = SteppedThread.Mode.WATCHING;
        proceed(t, 0);
    }

    @Override
    public boolean mayRunProtected(SteppedThread t) {
        return serializer == null || serializer.runProtected(t);
    }

    @Override
    public void report(StepEvent event) {
        listener.on(event);
    }

    /**
     * skip, from the store that enters {@code cs}: one continue to its ways out with rseq_cs
     * untouched, so the kernel aborts it on preemption, migration or signal as without rseqdbg.
     * Reported as entered at {@code start_ip}, like every other entry.
     */
    @Override
    public void runProtected(SteppedThread t, CriticalSection cs) {
        t.previousPc = -1;
        step(new StepEvent.SectionEntered(t.tid, cs.start(), cs));
        t.section = cs;
        t.stops = 1;
        t.protectedRun = true;
        holdOthers(t);
        breakpoints.plant(cs);
        t.mode = SteppedThread.Mode.RUNNING_TO_EXIT;
        runWatch.arm();
        proceed(t, 0);
    }

    /** A run to the ways out stopped by its watchdog: an exit nobody declared is reported, and stepped on from. */
    private boolean leftUndeclared(SteppedThread t) {
        CriticalSection cs = t.section;
        long pc = inferior.pc(t.tid);
        if (!FullSpeedRun.leftUndeclared(cs, t.protectedRun, pc, () -> inferior.rseqCs(t.tid))) {
            return false;
        }
        listener.on(new StepEvent.UndeclaredExit(t.tid, pc, cs));
        leave(t, pc);
        atPc(t, pc);
        return true;
    }

    /** Whether a thread run from the entry store of {@code cs}, now at {@code pc}, has begun it. */
    private static boolean begun(CriticalSection cs, long pc) {
        return cs.contains(pc) || pc == cs.abort();
    }

    /** A signal came before the entry store ran: nothing of the section happened. */
    private void cancelProtectedRun(SteppedThread t) {
        breakpoints.removeAll();
        runWatch.disarm();
        t.section = null;
        t.protectedRun = false;
        t.mode = SteppedThread.Mode.STEPPING;
        if (holds.isHolder(t)) {
            releaseOthers();
        }
    }

    /**
     * The kernel's abort, carried out by the stepper where the schedule says the section aborts
     * here (replay: where it aborted in the recording; record --chaos: a preemption inside it):
     * rseq_cs cleared, the thread at abort_ip, which counts as its next stop (as when a run to
     * the exit meets the breakpoint there). From a skip entry store the section had not begun;
     * the store would have set rseq_cs and the abort cleared it again: the same end state.
     */
    private void forceAbort(SteppedThread t) {
        CriticalSection cs = t.section;
        t.savedRseqCs = 0;
        inferior.setRseqCs(t.tid, 0);
        inferior.setPc(t.tid, cs.abort());
        leave(t, cs.abort());
        atPc(t, cs.abort());
    }

    /**
     * A signal delivered while the section runs: the kernel aborts it (rseq_cs cleared, pc at
     * abort_ip) and the handler's frame returns there. Done here before delivery, so it happens
     * whatever the thread's own rseq_cs says (cleared, or not yet stored at a skip entry).
     */
    private void abortBySignal(SteppedThread t, int signal) {
        t.savedRseqCs = 0;
        inferior.setRseqCs(t.tid, 0);
        inferior.setPc(t.tid, t.section.abort());
        onSignal(t, new Stop.Signalled(t.tid, signal));
    }

    private boolean limitReached() {
        return maxSteps > 0 && steps >= maxSteps;
    }

    /** Every event that stands for one executed instruction, counted in one place for --max-steps. */
    private void step(StepEvent event) {
        steps++;
        SteppedThread t = threads.get(event.tid());
        if (t != null) {
            t.steps++;
        }
        listener.on(event);
    }

    @Override
    public void redirect(SteppedThread t, CriticalSection cs) {
        // Always legal: rseq allows an abort at any point before the commit.
        cpus.clearRseqCs(t);
        inferior.setPc(t.tid, cs.abort());
        listener.on(new StepEvent.SectionLeft(t.tid, cs.abort(), cs, Outcome.REDIRECTED, t.stops));
        t.section = null;
        t.mode = SteppedThread.Mode.STEPPING;
        proceed(t, 0);
    }

    @Override
    public void runToExit(SteppedThread t, CriticalSection cs) {
        holdOthers(t);
        if (!cpus.clearAndBind(t)) {
            return;
        }
        if (sections.exitsDeclared(cs)) {
            breakpoints.plant(cs);
            t.mode = SteppedThread.Mode.RUNNING_TO_EXIT;
            runWatch.arm();
        } else {
            // No declared exits (TCMalloc style): a breakpoint could miss the way out, so walk it.
            t.mode = SteppedThread.Mode.STEPPING_THROUGH;
        }
        proceed(t, 0);
    }

    private void leave(SteppedThread t, long pc) {
        CriticalSection cs = t.section;
        Outcome outcome = t.abortedBySignal ? Outcome.ABORTED : SectionRules.outcomeAt(cs, pc);
        if (outcome == Outcome.EXITED && t.mode == SteppedThread.Mode.WATCHING && !cs.exits().contains(pc) && inferior.rseqCs(t.tid) == 0) {
            // The step that followed the abort already ran the handler's first instruction; the
            // kernel's abort is recognisable by the rseq_cs field it cleared.
            outcome = Outcome.ABORTED;
        }
        breakpoints.removeAll();
        runWatch.disarm();
        listener.on(new StepEvent.SectionLeft(t.tid, pc, cs, outcome, t.stops));
        policy.left(t, cs, outcome, this);
        if (t.boundCpu >= 0) {
            inferior.restoreAffinity(t.tid);
            t.boundCpu = -1;
        }
        t.section = null;
        t.mode = SteppedThread.Mode.STEPPING;
        t.abortedBySignal = false;
        t.protectedRun = false;
        t.savedRseqCs = 0;
        if (holds.isHolder(t)) {
            releaseOthers();
        }
    }

    /** Stops every other thread and keeps it stopped until {@code t} leaves its section. */
    private void holdOthers(SteppedThread t) {
        holds.holdFor(t);
        holds.interruptRunning(t);
        holds.forgetExitedLeader();
        while (holds.othersRunning(t)) {
            Stop stop = inferior.next();
            if (stop instanceof Stop.Exited) {
                backlog.addFirst(stop);
                return;
            }
            handle(stop);
        }
    }

    private void releaseOthers() {
        SteppedThread released = holds.holder();
        holds.release();
        for (SteppedThread o : List.copyOf(threads.values())) {
            if (o.running || o == released) {
                continue;
            }
            if (!o.pending.isEmpty()) {
                backlog.addAll(o.pending);
                o.pending.clear();
            } else if (o.section == null || o.mode == SteppedThread.Mode.WATCHING) {
                proceed(o, 0);
            }
        }
    }

    /** Resumes {@code t} the way its mode wants: one step, or run to a breakpoint. */
    private void proceed(SteppedThread t, int signal) {
        if (t.gone) {
            return;
        }
        if (serializer != null) {
            Schedule.Directive d = serializer.admit(t, signal);
            switch (d.kind()) {
                case PARK -> {
                    return; // not its turn
                }
                case SIGNAL -> {
                    onSignal(t, new Stop.Signalled(t.tid, d.signal())); // replay: a recorded signal, at its recorded instruction
                    return;
                }
                case ABORT -> {
                    forceAbort(t);
                    return;
                }
                case ABORT_BY_SIGNAL -> {
                    abortBySignal(t, d.signal());
                    return;
                }
                case ANSWER -> {
                    Stop answered = serializer.answer(t, d.answer());
                    if (answered != null) {
                        t.running = true;
                        backlog.addFirst(answered); // as if its step over the call came back
                        return;
                    }
                }
                case RUN -> {
                }
            }
        }
        t.running = true;
        // After a signal that aborted the section, step into its handler rather than run it free.
        if (t.mode == SteppedThread.Mode.RUNNING_TO_EXIT && !t.abortedBySignal) {
            inferior.resume(t.tid, signal);
        } else {
            inferior.step(t.tid, signal);
        }
    }

    /** Ends stepping with the program intact ({@link LetGo}); EXITED when it exited meanwhile. */
    private End letGo(End end) {
        Stop.Exited e = new LetGo(inferior, holds, threads).detach(backlog, breakpoints::removeAll);
        if (e == null) {
            return end;
        }
        exit = e;
        listener.on(new StepEvent.ProcessExited(e.tid(), e.status(), e.signal()));
        return End.EXITED;
    }

    private void letGoQuietly() {
        new LetGo(inferior, holds, threads).restoreQuietly(breakpoints::removeAll);
    }
}
