package io.rseqdbg.ptrace;

import static io.rseqdbg.ptrace.internal.NativeError.ECHILD;
import static io.rseqdbg.ptrace.internal.NativeError.EINTR;
import static io.rseqdbg.ptrace.internal.NativeError.ESRCH;

import io.rseqdbg.ptrace.AddressSpace.Site;
import io.rseqdbg.ptrace.ThreadState.Interrupt;
import io.rseqdbg.ptrace.ThreadState.Resume;
import io.rseqdbg.ptrace.TraceEvent.BreakpointHit;
import io.rseqdbg.ptrace.TraceEvent.Continued;
import io.rseqdbg.ptrace.TraceEvent.Exec;
import io.rseqdbg.ptrace.TraceEvent.Forked;
import io.rseqdbg.ptrace.TraceEvent.GroupStop;
import io.rseqdbg.ptrace.TraceEvent.Interrupted;
import io.rseqdbg.ptrace.TraceEvent.ProcessExited;
import io.rseqdbg.ptrace.TraceEvent.ProcessKilled;
import io.rseqdbg.ptrace.TraceEvent.SignalStop;
import io.rseqdbg.ptrace.TraceEvent.Stepped;
import io.rseqdbg.ptrace.TraceEvent.ThreadCreated;
import io.rseqdbg.ptrace.TraceEvent.ThreadExited;
import io.rseqdbg.ptrace.WaitStatus.Event;
import io.rseqdbg.ptrace.internal.NativeError;
import io.rseqdbg.ptrace.internal.Syscalls;
import io.rseqdbg.ptrace.internal.TrapCause;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tracer's core, confined to its tracer thread: the stop-decoding state machine. It turns
 * waitpid statuses into {@link TraceEvent}s (what each stop means given how the thread was
 * resumed and why it was interrupted), resumes and single-steps threads with the bookkeeping
 * that decoding relies on, steps over planted breakpoints, and holds threads. Its neighbours
 * each have one job: {@link Tracees} (who is traced), {@link WaitStatus}, {@link TraceErrors},
 * {@link RegisterAccess}, {@link ProcessMemory}, {@link StepFixups}, {@link Breakpoints},
 * {@link RseqAccess}, {@link CpuAffinity}, {@link Attacher} and {@link Detacher}.
 */
final class Session {
    private final TracerThread thread;
    private final Syscalls sys;
    private final Tracees tracees;
    private final RegisterAccess registers;
    private final ProcessMemory memory;
    private final StepFixups fixups;
    /** Events taken from waitpid while doing something else (a hold, a step-over), in order. */
    private final ArrayDeque<TraceEvent> queued = new ArrayDeque<>();
    /** New threads whose first stop came before their creator's clone event. */
    private final Set<Integer> earlyStops = new HashSet<>();
    private final Map<Integer, Integer> earlyExits = new HashMap<>();

    Session(TracerThread thread, Tracees tracees, RegisterAccess registers, ProcessMemory memory, StepFixups fixups) {
        this.thread = thread;
        this.sys = thread.syscalls();
        this.tracees = tracees;
        this.registers = registers;
        this.memory = memory;
        this.fixups = fixups;
    }

    // ------------------------------------------------------------------ events

    /** The next event, waiting for it when {@code block}; null when not blocking and none is ready. */
    TraceEvent waitEvent(boolean block) {
        while (true) {
            tracees.ensureOpen("wait");
            TraceEvent e = queued.poll();
            if (e != null) {
                return e;
            }
            if (thread.hasTasks()) {
                thread.runTasks();
                continue;
            }
            if (tracees.noProcess()) {
                throw new TraceException("wait", 0, ECHILD, "wait: no traced process is left");
            }
            if (!thread.enterWait()) {
                continue;
            }
            int tid;
            try {
                tid = sys.waitAny(block);
            } catch (NativeError err) {
                if (err.errno() == EINTR) {
                    continue;
                }
                throw new TraceException("wait", 0, err.errno(), "wait: " + NativeError.describe(err.errno()));
            } finally {
                thread.leaveWait();
            }
            if (tid == 0) {
                return null;
            }
            e = decode(tid, sys.status());
            if (e != null) {
                return e;
            }
        }
    }

    /**
     * Turns one waitpid report into an event, updating what is known of the thread; null when
     * the report was the tracer's own business (a hold's interrupt, a stale interrupt, a new
     * thread's first stop).
     */
    private TraceEvent decode(int tid, int status) {
        ThreadState t = tracees.thread(tid);
        if (!WaitStatus.stopped(status)) {
            if (t == null) {
                earlyExits.put(tid, status);
                return null;
            }
            return exited(t, status);
        }
        if (t == null) {
            if (WaitStatus.event(status) == Event.STOP) {
                earlyStops.add(tid);
            }
            return null;
        }
        boolean wasStepping = t.stepping;
        Interrupt asked = t.interrupt;
        Event event = WaitStatus.event(status);
        if (wasStepping && event == Event.STOP) {
            // The step's own trap may still be queued behind this stop: the next report of a
            // step may then be this one's, so the next step's instruction says nothing about it.
            t.distrustNextStep = true;
        }
        t.stopped = true;
        t.stepping = false;
        // Any trap clears a pending PTRACE_INTERRUPT (kernel/signal.c, ptrace_stop).
        t.interrupt = Interrupt.NONE;
        t.knownPc = ThreadState.UNKNOWN_PC;
        int sig = WaitStatus.stopSignal(status);
        try {
            switch (event) {
                case STOP:
                    if (WaitStatus.groupStopSignal(sig)) {
                        t.pushf = null;
                        return new GroupStop(tid, sig);
                    }
                    if (t.lastResume == Resume.LISTEN) {
                        // SIGCONT ended the group-stop it listened in (or an interrupt came
                        // after it): never listen again unasked, it would stay stopped.
                        return new Continued(tid);
                    }
                    if (asked == Interrupt.HOLD) {
                        t.heldSilently = true;
                        return null;
                    }
                    if (asked == Interrupt.USER) {
                        return new Interrupted(tid);
                    }
                    // An interrupt sent while the thread was already stopped traps on the next
                    // resume, before any instruction runs: set it going again as it was.
                    reissue(t);
                    return null;
                case CLONE:
                case FORK:
                case VFORK:
                    return onClone(t, event);
                case EXEC:
                    return onExec(t);
                case NONE:
                    if (sig == WaitStatus.SIGTRAP) {
                        return onSigtrap(t, wasStepping);
                    }
                    t.pushf = null;
                    t.pendingSignal = sig;
                    sys.siginfoCode(tid);
                    return new SignalStop(tid, sig, SignalInfo.lastFetched(sys, sig));
                default:
                    reissue(t);
                    return null;
            }
        } catch (NativeError e) {
            if (e.errno() == ESRCH) {
                // SIGKILLed right after the stop: no longer stopped, its exit is on the way.
                t.stopped = false;
                return null;
            }
            throw tracees.fail(e, tid);
        }
    }

    private TraceEvent exited(ThreadState t, int status) {
        ProcessState p = t.process;
        tracees.forget(t);
        if (t.tid != p.pid && !p.threads.isEmpty()) {
            return new ThreadExited(t.tid);
        }
        // The leader, or the last thread of a process whose leader ended before the attach
        // (pthread_exit from main: never traced, it reports nothing): its status is the process's.
        tracees.forget(p);
        if (t.tid != p.pid) {
            queued.add(processEnded(p, status));
            return new ThreadExited(t.tid);
        }
        return processEnded(p, status);
    }

    private static TraceEvent processEnded(ProcessState p, int status) {
        return WaitStatus.exited(status) ? new ProcessExited(p.pid, WaitStatus.exitCode(status))
                : new ProcessKilled(p.pid, WaitStatus.termSignal(status), WaitStatus.coreDumped(status));
    }

    private TraceEvent onClone(ThreadState parent, Event event) {
        int child = (int) sys.eventMessage(parent.tid);
        Integer diedWith = awaitFirstStop(child);
        ProcessState pp = parent.process;
        if (diedWith != null) {
            queued.add(new ThreadExited(child));
            return new ThreadCreated(parent.tid, child);
        }
        if (event == Event.CLONE
                && Files.exists(Path.of("/proc", Integer.toString(pp.pid), "task", Integer.toString(child)))) {
            ThreadState born = new ThreadState(child, pp, true);
            if (pp.runCpu >= 0 && parent.ownAffinity != null) {
                // It inherited its creator's mask: under --bind, the run's, not its own.
                born.ownAffinity = parent.ownAffinity.clone();
            }
            tracees.register(pp, born);
            return new ThreadCreated(parent.tid, child);
        }
        // A vfork child runs in its parent's memory until it execs; a fork child has a copy,
        // planted int3 bytes included.
        AddressSpace space = event == Event.VFORK ? pp.space : pp.space.copyForFork();
        ProcessState np = new ProcessState(child, space);
        np.arch = pp.arch;
        tracees.register(np, new ThreadState(child, np, true));
        return new Forked(parent.tid, child, event == Event.VFORK);
    }

    /** Waits for a new thread's first stop; null when it came, else the status it died with. */
    private Integer awaitFirstStop(int child) {
        if (earlyStops.remove(child)) {
            return null;
        }
        Integer early = earlyExits.remove(child);
        if (early != null) {
            return early;
        }
        waitRetry(child);
        int status = sys.status();
        return WaitStatus.stopped(status) ? null : status;
    }

    private TraceEvent onExec(ThreadState t) {
        int former = (int) sys.eventMessage(t.tid);
        ProcessState p = t.process;
        if (former != t.tid) {
            ThreadState old = tracees.thread(former);
            if (old != null) {
                tracees.forget(old);
            }
        }
        for (ThreadState other : p.threads.values()) {
            // Every other thread died in the exec; their exits are still to be read.
            other.zombie = other != t;
        }
        ProcessMemory.close(p);
        p.space = new AddressSpace();
        p.arch = null;
        t.pendingSignal = 0;
        t.pushf = null;
        t.trapFlagAdopted = false;
        t.zombie = false;
        t.atExec = true;
        return new Exec(t.tid, former);
    }

    private TraceEvent onSigtrap(ThreadState t, boolean wasStepping) {
        TrapCause cause = sys.trapCause(t.tid);
        if (cause == TrapCause.INT3) {
            // An int3 ran: ours, a removed one of ours, or the program's own.
            AddressSpace space = t.process.space;
            if (!space.sites.isEmpty() || !space.retired.isEmpty()) {
                long at = sys.peekPc(t.tid) - 1;
                if (space.sites.containsKey(at)) {
                    registers.setPcRaw(t, at);
                    t.pushf = null;
                    return new BreakpointHit(t.tid, at);
                }
                if (space.retired.contains(at) && memory.readRaw(t.process, at, 1)[0] != AddressSpace.INT3) {
                    registers.setPcRaw(t, at);
                    reissue(t);
                    return null;
                }
            }
        } else if (wasStepping && cause != TrapCause.SENT) {
            // TRAP_TRACE after an instruction, TRAP_BRKPT after a syscall, SIGTRAP at a handler's entry.
            if (cause == TrapCause.STEP || cause == TrapCause.SYSCALL_STEP) {
                t.knownPc = sys.siginfoAddr(); // the kernel reports the new pc: no PEEKUSER for the next step
            }
            if (t.pushf != null) {
                fixups.clearPushedTrapFlag(t);
            }
            // A system call's registers cost one GETREGSET, paid only at system calls.
            return new Stepped(t.tid, cause == TrapCause.SYSCALL_STEP ? syscallOf(t) : null);
        }
        // Sent by someone (si_code <= 0) or raised by the program: it is the program's signal.
        t.pushf = null;
        t.pendingSignal = WaitStatus.SIGTRAP;
        return new SignalStop(t.tid, WaitStatus.SIGTRAP, SignalInfo.lastFetched(sys, WaitStatus.SIGTRAP));
    }

    /** The system call a step just ran, from the registers at its exit; null when the thread was killed meanwhile. */
    private Syscall syscallOf(ThreadState t) {
        try {
            return Syscall.of(registers.getRegisters(t.tid));
        } catch (TraceException e) {
            return null; // SIGKILLed under us: its exit is on the way
        }
    }

    // ------------------------------------------------------------------ running threads

    /** Resumes a stopped thread; {@code signal} < 0 delivers its pending signal, if any. */
    void resume(int tid, Resume mode, int signal) {
        ThreadState t = tracees.stoppedThread(tid, mode == Resume.STEP ? "single-step" : mode == Resume.CONT ? "continue" : "listen");
        int sig = signal < 0 ? t.pendingSignal : signal;
        t.pendingSignal = 0;
        t.steppedNonStore = false;
        if (mode != Resume.LISTEN) {
            AddressSpace space = t.process.space;
            boolean planted = !space.sites.isEmpty();
            if (planted || mode == Resume.STEP) {
                long pc;
                try {
                    pc = registers.pcOf(t);
                } catch (NativeError e) {
                    if (e.errno() == ESRCH) {
                        t.stopped = false;
                        return;
                    }
                    throw tracees.fail(e, tid);
                }
                Site site = planted ? space.sites.get(pc) : null;
                if (site != null) {
                    stepOver(t, site, sig, mode);
                    return;
                }
                if (mode == Resume.STEP) {
                    fixups.inspectStep(t, pc);
                }
            }
        }
        raw(t, mode, sig);
    }

    private void raw(ThreadState t, Resume mode, int sig) {
        if (mode != Resume.STEP) {
            t.steppedNonStore = false;
        }
        if (mode != Resume.STEP && t.trapFlagAdopted) {
            fixups.clearTrapFlag(t);
        }
        try {
            switch (mode) {
                case CONT -> sys.cont(t.tid, sig);
                case STEP -> sys.singleStep(t.tid, sig);
                case LISTEN -> sys.listen(t.tid);
            }
        } catch (NativeError e) {
            if (e.errno() != ESRCH) {
                throw tracees.fail(e, t.tid);
            }
            // SIGKILLed while stopped: it runs to its death, whose report is on the way.
        }
        t.stopped = false;
        t.atExec = false;
        t.lastResume = mode;
        t.stepping = mode == Resume.STEP;
        t.knownPc = ThreadState.UNKNOWN_PC;
        t.heldSilently = false;
    }

    private void reissue(ThreadState t) {
        raw(t, t.lastResume, 0);
    }

    /**
     * Runs a thread stopped on a planted int3 through the instruction underneath: the other
     * threads of its process are held so none runs past the missing breakpoint, the original
     * byte goes back for one single-step, then the int3 returns.
     */
    private void stepOver(ThreadState t, Site site, int sig, Resume mode) {
        t.steppedNonStore = false;
        ProcessState p = t.process;
        AddressSpace space = p.space;
        List<ThreadState> held = hold(p, t);
        TraceEvent outcome = null;
        try {
            memory.writeRaw(p, site.address, site.original);
            fixups.inspectStep(t, site.address);
            raw(t, Resume.STEP, sig);
            while (outcome == null) {
                waitRetry(t.tid);
                outcome = decode(t.tid, sys.status());
            }
            if (outcome instanceof Forked f && !f.vfork()) {
                // The fork copied memory while the original byte was in: plant it in the copy.
                ProcessState child = tracees.processOrNull(f.childPid());
                if (child != null) {
                    memory.writeRaw(child, site.address, AddressSpace.INT3);
                }
            }
        } finally {
            if (tracees.processOrNull(p.pid) == p && p.space == space && space.sites.get(site.address) == site) {
                memory.writeRaw(p, site.address, AddressSpace.INT3);
            }
            release(held);
        }
        if (outcome instanceof Stepped && mode == Resume.CONT) {
            raw(t, Resume.CONT, 0);
        } else {
            queued.add(outcome);
        }
    }

    /** Asks a running thread to stop; its stop is reported as {@link Interrupted}. False when already stopped. */
    boolean interrupt(int tid) {
        ThreadState t = tracees.known(tid, "interrupt");
        if (t.stopped) {
            return false;
        }
        try {
            sys.interrupt(tid);
        } catch (NativeError e) {
            throw tracees.fail(e, tid);
        }
        t.interrupt = Interrupt.USER;
        return true;
    }

    void suppressSignal(int tid) {
        tracees.known(tid, "suppress signal").pendingSignal = 0;
    }

    int pendingSignal(int tid) {
        return tracees.known(tid, "pending signal").pendingSignal;
    }

    /**
     * Stops every running thread of {@code p} but {@code except} and waits until they are.
     * Threads that stop for a reason of their own (a signal, a breakpoint, an exit) have that
     * event queued for {@link #waitEvent}; the rest, stopped by the interrupt alone, are returned
     * for {@link #release}.
     */
    List<ThreadState> hold(ProcessState p, ThreadState except) {
        List<ThreadState> asked = new ArrayList<>();
        for (ThreadState t : new ArrayList<>(p.threads.values())) {
            if (t == except || t.stopped || t.zombie) {
                continue;
            }
            if (t.tid == p.pid && p.threads.size() > 1) {
                char state = ProcFs.threadState(p.pid, t.tid);
                if (state == 'Z' || state == 'X') {
                    t.zombie = true; // an exited leader never stops again
                    continue;
                }
            }
            try {
                sys.interrupt(t.tid);
            } catch (NativeError e) {
                if (e.errno() == ESRCH) {
                    continue;
                }
                throw tracees.fail(e, t.tid);
            }
            t.interrupt = Interrupt.HOLD;
            asked.add(t);
        }
        while (anyRunning(asked)) {
            int tid = waitRetry(-1);
            TraceEvent e = decode(tid, sys.status());
            if (e != null) {
                queued.add(e);
            }
        }
        asked.removeIf(t -> tracees.thread(t.tid) != t || !t.heldSilently);
        return asked;
    }

    private boolean anyRunning(List<ThreadState> list) {
        for (ThreadState t : list) {
            if (tracees.thread(t.tid) == t && !t.stopped && !t.zombie) {
                return true;
            }
        }
        return false;
    }

    private void release(List<ThreadState> held) {
        for (ThreadState t : held) {
            if (tracees.thread(t.tid) == t && t.stopped && t.heldSilently) {
                reissue(t);
            }
        }
    }

    List<Integer> holdAllExcept(int tid) {
        ThreadState t = tracees.known(tid, "hold threads");
        return Tracees.tids(hold(t.process, t));
    }

    List<Integer> stopAll(int pid) {
        return Tracees.tids(hold(tracees.process(pid, "stop all"), null));
    }

    void release(Collection<Integer> tids) {
        List<ThreadState> list = new ArrayList<>();
        for (int tid : tids) {
            ThreadState t = tracees.thread(tid);
            if (t != null) {
                list.add(t);
            }
        }
        release(list);
    }

    /** Continues every stopped thread that has no event waiting to be read. */
    void resumeAll() {
        Set<Integer> reported = new HashSet<>();
        for (TraceEvent e : queued) {
            reported.add(e.tid());
        }
        for (ThreadState t : tracees.threads()) {
            if (t.stopped && !t.zombie && !reported.contains(t.tid)) {
                resume(t.tid, Resume.CONT, -1);
            }
        }
    }

    // ------------------------------------------------------------------ the end, waiting

    /** True when thread {@code tid}'s first stop came before its creator's clone event. */
    boolean sawFirstStop(int tid) {
        return earlyStops.contains(tid);
    }

    /** Forgets the events not read yet (the tracer is letting go). */
    void dropQueued() {
        queued.clear();
    }

    /** SIGKILLs every traced process and reaps it. */
    void killAll() {
        for (ProcessState p : tracees.processes()) {
            Syscalls.kill(p.pid, WaitStatus.SIGKILL);
        }
        while (!tracees.noProcess()) {
            int tid;
            try {
                tid = sys.waitAny(true);
            } catch (NativeError e) {
                if (e.errno() == EINTR) {
                    continue;
                }
                break;
            }
            try {
                decode(tid, sys.status());
            } catch (RuntimeException e) {
                // dying threads answer nothing; only their exits matter here
            }
        }
        for (ProcessState p : tracees.processes()) {
            tracees.forget(p);
        }
        queued.clear();
    }

    /**
     * Waits for thread {@code pid} (-1: any tracee), retried on EINTR (a wake-up meant for the
     * top-level wait only).
     */
    int waitRetry(int pid) {
        while (true) {
            try {
                return pid == -1 ? sys.waitAny(true) : sys.waitFor(pid);
            } catch (NativeError e) {
                if (e.errno() != EINTR) {
                    throw new TraceException("wait", pid, e.errno(), "wait for " + pid + ": " + NativeError.describe(e.errno()));
                }
            }
        }
    }
}
