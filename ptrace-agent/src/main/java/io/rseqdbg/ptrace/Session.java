package io.rseqdbg.ptrace;

import static io.rseqdbg.ptrace.internal.NativeError.ECHILD;
import static io.rseqdbg.ptrace.internal.NativeError.EFAULT;
import static io.rseqdbg.ptrace.internal.NativeError.EINTR;
import static io.rseqdbg.ptrace.internal.NativeError.EINVAL;
import static io.rseqdbg.ptrace.internal.NativeError.EPERM;
import static io.rseqdbg.ptrace.internal.NativeError.ESRCH;
import static io.rseqdbg.ptrace.internal.Syscalls.PTRACE_CONT;
import static io.rseqdbg.ptrace.internal.Syscalls.PTRACE_DETACH;
import static io.rseqdbg.ptrace.internal.Syscalls.PTRACE_EVENT_CLONE;
import static io.rseqdbg.ptrace.internal.Syscalls.PTRACE_EVENT_EXEC;
import static io.rseqdbg.ptrace.internal.Syscalls.PTRACE_EVENT_FORK;
import static io.rseqdbg.ptrace.internal.Syscalls.PTRACE_EVENT_STOP;
import static io.rseqdbg.ptrace.internal.Syscalls.PTRACE_EVENT_VFORK;
import static io.rseqdbg.ptrace.internal.Syscalls.PTRACE_INTERRUPT;
import static io.rseqdbg.ptrace.internal.Syscalls.PTRACE_LISTEN;
import static io.rseqdbg.ptrace.internal.Syscalls.PTRACE_O_EXITKILL;
import static io.rseqdbg.ptrace.internal.Syscalls.PTRACE_O_TRACECLONE;
import static io.rseqdbg.ptrace.internal.Syscalls.PTRACE_O_TRACEEXEC;
import static io.rseqdbg.ptrace.internal.Syscalls.PTRACE_O_TRACEFORK;
import static io.rseqdbg.ptrace.internal.Syscalls.PTRACE_O_TRACEVFORK;
import static io.rseqdbg.ptrace.internal.Syscalls.PTRACE_SEIZE;
import static io.rseqdbg.ptrace.internal.Syscalls.PTRACE_SINGLESTEP;
import static io.rseqdbg.ptrace.internal.Syscalls.SI_KERNEL;
import static io.rseqdbg.ptrace.internal.Syscalls.TRAP_BRKPT;
import static io.rseqdbg.ptrace.internal.Syscalls.TRAP_TRACE;
import static io.rseqdbg.ptrace.internal.Syscalls.USER_RIP;
import static io.rseqdbg.ptrace.internal.Syscalls.WALL;
import static io.rseqdbg.ptrace.internal.Syscalls.WNOHANG;
import static io.rseqdbg.ptrace.internal.Syscalls.WNOTHREAD;

import io.rseqdbg.ptrace.AddressSpace.Site;
import io.rseqdbg.ptrace.ThreadState.Interrupt;
import io.rseqdbg.ptrace.ThreadState.Resume;
import io.rseqdbg.ptrace.TraceEvent.BreakpointHit;
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
import io.rseqdbg.ptrace.internal.NativeError;
import io.rseqdbg.ptrace.internal.Syscalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Everything a tracer knows and does, confined to its tracer thread: the traced processes and
 * threads, the decoding of waitpid statuses into {@link TraceEvent}s, resuming, holding threads,
 * registers, memory and breakpoints.
 */
final class Session {
    static final int SIGTRAP = 5;
    static final int SIGKILL = 9;
    static final int SIGSTOP = 19;
    static final int SIGTSTP = 20;
    static final int SIGTTIN = 21;
    static final int SIGTTOU = 22;

    /**
     * For a program rseqdbg launched, EXITKILL: a dying rseqdbg must not leave a tracee that later
     * dies on a planted int3. Never for one it attached to: the user's running program must not
     * die with rseqdbg (SIGKILL, the OOM killer), as it does not die with gdb.
     */
    private static final int OPTIONS = PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK
            | PTRACE_O_TRACEEXEC;
    private static final int LAUNCH_OPTIONS = OPTIONS | PTRACE_O_EXITKILL;
    /** __WNOTHREAD: only this thread's tracees, never the JVM's own children (the launcher). */
    private static final int WAIT_ANY = WALL | WNOTHREAD;
    private static final long LAUNCH_TIMEOUT_NANOS = 10_000_000_000L;

    private final TracerThread thread;
    private final Syscalls sys;
    private final Map<Integer, ThreadState> threads = new HashMap<>();
    private final Map<Integer, ProcessState> processes = new LinkedHashMap<>();
    /** Events taken from waitpid while doing something else (a hold, a step-over), in order. */
    private final ArrayDeque<TraceEvent> queued = new ArrayDeque<>();
    /** New threads whose first stop came before their creator's clone event. */
    private final Set<Integer> earlyStops = new HashSet<>();
    private final Map<Integer, Integer> earlyExits = new HashMap<>();
    /** The tracer thread's tid: what /proc/PID/status shows as TracerPid of our tracees. */
    private final int selfTid = Syscalls.gettid();
    private final long[] regs = new long[32];
    private final byte[] code = new byte[16];
    private boolean closed;
    /** System.nanoTime() just before the first thread was seized by {@link #attach}; 0 before. */
    private volatile long firstSeizeNanos;

    Session(TracerThread thread) {
        this.thread = thread;
        this.sys = thread.syscalls();
    }

    // ------------------------------------------------------------------ launch, attach, detach

    /**
     * Takes over the program the launcher forked: the launcher's child waits until it is traced
     * and then calls execve, so the tracer first sees it stopped at the exec, at the new program's
     * first instruction.
     */
    int adoptLaunched(Process launcher, String program) {
        long deadline = System.nanoTime() + LAUNCH_TIMEOUT_NANOS;
        int child = -1;
        while (child < 0) {
            List<Integer> kids = ProcFs.children(launcher.pid());
            if (!kids.isEmpty()) {
                child = kids.get(0);
            } else if (!launcher.isAlive()) {
                throw new TraceException("launch", 0, 0, "launch " + program + ": the launcher exited with status "
                        + launcher.exitValue() + " before starting it");
            } else if (System.nanoTime() > deadline) {
                throw new TraceException("launch", 0, 0, "launch " + program + ": the launcher did not start it");
            } else {
                LockSupport.parkNanos(100_000);
            }
        }
        try {
            sys.ptrace(PTRACE_SEIZE, child, 0, LAUNCH_OPTIONS);
        } catch (NativeError e) {
            Syscalls.kill(child, SIGKILL);
            throw fail(e, child);
        }
        ProcessState p = new ProcessState(child, new AddressSpace());
        ThreadState t = new ThreadState(child, p, false);
        register(p, t);
        t.atExec = true;
        while (true) {
            waitRetry(child, WALL);
            int status = sys.status();
            if (!stoppedStatus(status)) {
                forget(p);
                int code = exitedStatus(status) ? exitCode(status) : 128 + termSignal(status);
                throw new TraceException("launch", child, 0, "launch " + program + ": cannot execute it (status "
                        + code + ")");
            }
            if (event(status) == PTRACE_EVENT_EXEC) {
                break;
            }
            // A signal before the exec (a terminal's SIGINT, say) belongs to the launcher's code.
            try {
                sys.ptrace(PTRACE_CONT, child, 0, 0);
            } catch (NativeError e) {
                throw fail(e, child);
            }
        }
        t.stopped = true;
        return child;
    }

    /** Seizes every thread of {@code pid} and stops them all (PTRACE_SEIZE + PTRACE_INTERRUPT). */
    int attach(int requested) {
        ProcFs.Status st = ProcFs.status(requested).orElseThrow(() -> noSuchProcess("attach", requested));
        if (st.kernelThread()) {
            throw new TraceException("attach", requested, EPERM, "attach " + requested + ": " + st.name()
                    + " is a kernel thread");
        }
        int pid = st.tgid(); // a thread id means its process
        if (pid == Syscalls.getpid()) {
            throw new TraceException("attach", pid, EPERM, "attach " + pid + ": that is rseqdbg itself");
        }
        if (st.tracerPid() != 0) {
            throw alreadyTraced("attach", pid, st.tracerPid());
        }
        ProcessState p = new ProcessState(pid, new AddressSpace());
        processes.put(pid, p);
        try {
            // Threads may start while we seize: loop until a scan finds none we lack. Threads
            // started by an already seized thread are attached by the kernel (TRACECLONE).
            boolean first = true;
            Set<Integer> tried = new HashSet<>();
            while (true) {
                List<Integer> fresh = new ArrayList<>();
                for (int tid : ProcFs.tasks(pid)) {
                    if (tried.add(tid) && !threads.containsKey(tid) && !earlyStops.contains(tid)) {
                        fresh.add(tid);
                    }
                }
                if (fresh.isEmpty()) {
                    break;
                }
                for (int tid : fresh) {
                    seize(p, tid, first);
                }
                hold(p, null);
                first = false;
            }
            if (p.threads.isEmpty()) {
                if (st.state() == 'Z') {
                    throw new TraceException("attach", pid, ESRCH, "attach " + pid + ": the process has exited (a zombie)");
                }
                throw noSuchProcess("attach", pid);
            }
        } catch (RuntimeException e) {
            detach(p);
            processes.remove(pid);
            throw e;
        }
        return pid;
    }

    private void seize(ProcessState p, int tid, boolean first) {
        if (firstSeizeNanos == 0) {
            firstSeizeNanos = System.nanoTime();
        }
        try {
            sys.ptrace(PTRACE_SEIZE, tid, 0, OPTIONS);
        } catch (NativeError e) {
            char state = ProcFs.threadState(p.pid, tid);
            if (e.errno() == ESRCH || state == '?' ) {
                if (tid == p.pid && first && ProcFs.status(p.pid).isEmpty()) {
                    throw noSuchProcess("attach", p.pid);
                }
                return; // the thread exited meanwhile
            }
            if (e.errno() == EPERM) {
                if (state == 'Z' || state == 'X') {
                    return; // a leader that called pthread_exit cannot be attached, and needs not be
                }
                int tracer = ProcFs.status(tid).map(ProcFs.Status::tracerPid).orElse(0);
                if (tracer == selfTid) {
                    return; // attached by the kernel through a clone event we have yet to read
                }
                if (tracer != 0) {
                    throw alreadyTraced("attach", p.pid, tracer);
                }
                throw notPermitted("attach", p.pid);
            }
            throw fail(e, tid);
        }
        register(p, new ThreadState(tid, p, false));
    }

    long firstSeizeNanos() {
        return firstSeizeNanos;
    }

    /** Restores every planted byte and detaches from every thread, leaving the processes running. */
    void detachAll() {
        RuntimeException first = null;
        for (ProcessState p : new ArrayList<>(processes.values())) {
            try {
                detach(p);
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        queued.clear();
        closed = true;
        if (first != null) {
            throw first;
        }
    }

    private void detach(ProcessState p) {
        try {
            hold(p, null);
        } catch (RuntimeException e) {
            // Restore and detach what can be, whatever the hold left running.
        }
        if (processes.get(p.pid) != p) {
            return; // it exited while being stopped
        }
        for (Site s : p.space.sites.values()) {
            try {
                writeRaw(p, s.address, s.original);
            } catch (RuntimeException e) {
                // the mapping is gone with the code it held
            }
        }
        p.space.sites.clear();
        p.runCpu = -1; // from here on, every thread gets its own mask back
        for (ThreadState t : p.threads.values()) {
            try {
                restoreAffinity(t.tid);
            } catch (RuntimeException e) {
                // gone
            }
            if (!t.zombie) {
                try {
                    if (t.trapFlagAdopted && t.stopped) {
                        clearTrapFlag(t);
                    }
                    drainStepTrap(t);
                    // A signal that stopped the thread and was not suppressed still reaches it.
                    sys.ptrace(PTRACE_DETACH, t.tid, 0, t.pendingSignal);
                } catch (NativeError e) {
                    // gone
                }
            }
        }
        forget(p);
    }

    /**
     * A thread single-stepped into a system call and stopped there by an interrupt already has
     * the step's SIGTRAP queued: the kernel reports a step at the system call's exit, and the
     * interrupt stop came first. Detached with it, the thread dies of SIGTRAP. Let it take that
     * signal now, under the tracer (no instruction runs before a queued signal is taken), and
     * drop it.
     */
    /** Stops to go past while draining: each outstanding interrupt reports once. */
    private static final int DRAIN_TRIES = 8;

    private void drainStepTrap(ThreadState t) {
        if (t.lastResume != Resume.STEP) {
            return;
        }
        // An interrupt still outstanding (a wake-up's, a hold's) reports first: go on past it.
        for (int tries = 0; tries < DRAIN_TRIES && ProcFs.signalPending(t.process.pid, t.tid, SIGTRAP); tries++) {
            try {
                sys.ptrace(PTRACE_CONT, t.tid, 0, 0);
                waitRetry(t.tid, WALL);
                int status = sys.status();
                if (!stoppedStatus(status)) {
                    t.zombie = true; // it exited meanwhile: nothing to detach
                    return;
                }
                int sig = stopSignal(status);
                if (event(status) == 0 && sig != SIGTRAP) {
                    t.pendingSignal = sig; // another signal came first: it is the program's, deliver it
                }
            } catch (NativeError | TraceException e) {
                return; // gone: nothing to drain
            }
        }
    }

    /** SIGKILLs every traced process and reaps it. */
    void killAll() {
        for (ProcessState p : processes.values()) {
            Syscalls.kill(p.pid, SIGKILL);
        }
        while (!processes.isEmpty()) {
            int tid;
            try {
                tid = sys.waitpid(-1, WAIT_ANY);
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
        for (ProcessState p : new ArrayList<>(processes.values())) {
            forget(p);
        }
        queued.clear();
    }

    boolean closed() {
        return closed;
    }

    void markClosed() {
        closed = true;
    }

    // ------------------------------------------------------------------ events

    /** The next event, waiting for it when {@code block}; null when not blocking and none is ready. */
    TraceEvent waitEvent(boolean block) {
        while (true) {
            ensureOpen("wait");
            TraceEvent e = queued.poll();
            if (e != null) {
                return e;
            }
            if (thread.hasTasks()) {
                thread.runTasks();
                continue;
            }
            if (processes.isEmpty()) {
                throw new TraceException("wait", 0, ECHILD, "wait: no traced process is left");
            }
            if (!thread.enterWait()) {
                continue;
            }
            int tid;
            try {
                tid = sys.waitpid(-1, WAIT_ANY | (block ? 0 : WNOHANG));
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
        ThreadState t = threads.get(tid);
        if (!stoppedStatus(status)) {
            if (t == null) {
                earlyExits.put(tid, status);
                return null;
            }
            return exited(t, status);
        }
        if (t == null) {
            if (event(status) == PTRACE_EVENT_STOP) {
                earlyStops.add(tid);
            }
            return null;
        }
        boolean wasStepping = t.stepping;
        Interrupt asked = t.interrupt;
        if (wasStepping && event(status) == PTRACE_EVENT_STOP) {
            // The step's own trap may still be queued behind this stop: the next report of a
            // step may then be this one's, so the next step's instruction says nothing about it.
            t.distrustNextStep = true;
        }
        t.stopped = true;
        t.stepping = false;
        // Any trap clears a pending PTRACE_INTERRUPT (kernel/signal.c, ptrace_stop).
        t.interrupt = Interrupt.NONE;
        t.knownPc = ThreadState.UNKNOWN_PC;
        int sig = stopSignal(status);
        try {
            switch (event(status)) {
                case PTRACE_EVENT_STOP:
                    if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
                        t.pushf = null;
                        return new GroupStop(tid, sig);
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
                case PTRACE_EVENT_CLONE:
                case PTRACE_EVENT_FORK:
                case PTRACE_EVENT_VFORK:
                    return onClone(t, event(status));
                case PTRACE_EVENT_EXEC:
                    return onExec(t);
                case 0:
                    if (sig == SIGTRAP) {
                        return onSigtrap(t, wasStepping);
                    }
                    t.pushf = null;
                    t.pendingSignal = sig;
                    return new SignalStop(tid, sig);
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
            throw fail(e, tid);
        }
    }

    private TraceEvent exited(ThreadState t, int status) {
        ProcessState p = t.process;
        threads.remove(t.tid);
        p.threads.remove(t.tid);
        if (t.tid != p.pid) {
            return new ThreadExited(t.tid);
        }
        forget(p);
        return exitedStatus(status) ? new ProcessExited(p.pid, exitCode(status))
                : new ProcessKilled(p.pid, termSignal(status), (status & 0x80) != 0);
    }

    private TraceEvent onClone(ThreadState parent, int event) {
        int child = (int) sys.eventMessage(parent.tid);
        Integer diedWith = awaitFirstStop(child);
        ProcessState pp = parent.process;
        if (diedWith != null) {
            queued.add(new ThreadExited(child));
            return new ThreadCreated(parent.tid, child);
        }
        if (event == PTRACE_EVENT_CLONE
                && Files.exists(Path.of("/proc", Integer.toString(pp.pid), "task", Integer.toString(child)))) {
            ThreadState born = new ThreadState(child, pp, true);
            // A thread inherits its creator's mask: under --bind, that of the run, not its own.
            born.ownAffinity = pp.runCpu >= 0 && parent.ownAffinity != null ? parent.ownAffinity.clone() : null;
            register(pp, born);
            return new ThreadCreated(parent.tid, child);
        }
        // A vfork child runs in its parent's memory until it execs; a fork child has a copy,
        // planted int3 bytes included.
        AddressSpace space = event == PTRACE_EVENT_VFORK ? pp.space : pp.space.copyForFork();
        ProcessState np = new ProcessState(child, space);
        np.arch = pp.arch;
        register(np, new ThreadState(child, np, true));
        return new Forked(parent.tid, child, event == PTRACE_EVENT_VFORK);
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
        waitRetry(child, WALL);
        int status = sys.status();
        return stoppedStatus(status) ? null : status;
    }

    private TraceEvent onExec(ThreadState t) {
        int former = (int) sys.eventMessage(t.tid);
        ProcessState p = t.process;
        if (former != t.tid) {
            ThreadState old = threads.remove(former);
            if (old != null) {
                p.threads.remove(former);
            }
        }
        for (ThreadState other : p.threads.values()) {
            // Every other thread died in the exec; their exits are still to be read.
            other.zombie = other != t;
        }
        closeMemory(p);
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
        int code = sys.siginfoCode(t.tid);
        if (code == SI_KERNEL) {
            // An int3 ran: ours, a removed one of ours, or the program's own.
            AddressSpace space = t.process.space;
            if (!space.sites.isEmpty() || !space.retired.isEmpty()) {
                long at = sys.peekUser(t.tid, USER_RIP) - 1;
                if (space.sites.containsKey(at)) {
                    setPcRaw(t, at);
                    t.pushf = null;
                    return new BreakpointHit(t.tid, at);
                }
                if (space.retired.contains(at) && readRaw(t.process, at, 1)[0] != AddressSpace.INT3) {
                    setPcRaw(t, at);
                    reissue(t);
                    return null;
                }
            }
        } else if (wasStepping && code > 0) {
            // TRAP_TRACE after an instruction, TRAP_BRKPT after a syscall, SIGTRAP at a handler's entry.
            if (code == TRAP_TRACE || code == TRAP_BRKPT) {
                t.knownPc = sys.siginfoAddr(); // the kernel reports the new pc: no PEEKUSER for the next step
            }
            if (t.pushf != null) {
                clearPushedTrapFlag(t);
            }
            return new Stepped(t.tid);
        }
        // Sent by someone (si_code <= 0) or raised by the program: it is the program's signal.
        t.pushf = null;
        t.pendingSignal = SIGTRAP;
        return new SignalStop(t.tid, SIGTRAP);
    }

    // ------------------------------------------------------------------ running threads

    /** Resumes a stopped thread; {@code signal} < 0 delivers its pending signal, if any. */
    void resume(int tid, Resume mode, int signal) {
        ThreadState t = stoppedThread(tid, mode == Resume.STEP ? "single-step" : mode == Resume.CONT ? "continue" : "listen");
        int sig = signal < 0 ? t.pendingSignal : signal;
        t.pendingSignal = 0;
        t.steppedNonStore = false;
        if (mode != Resume.LISTEN) {
            AddressSpace space = t.process.space;
            boolean planted = !space.sites.isEmpty();
            if (planted || mode == Resume.STEP) {
                long pc;
                try {
                    pc = pcOf(t);
                } catch (NativeError e) {
                    if (e.errno() == ESRCH) {
                        t.stopped = false;
                        return;
                    }
                    throw fail(e, tid);
                }
                Site site = planted ? space.sites.get(pc) : null;
                if (site != null) {
                    stepOver(t, site, sig, mode);
                    return;
                }
                if (mode == Resume.STEP) {
                    inspectStep(t, pc);
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
            clearTrapFlag(t);
        }
        int request = switch (mode) {
            case CONT -> PTRACE_CONT;
            case STEP -> PTRACE_SINGLESTEP;
            case LISTEN -> PTRACE_LISTEN;
        };
        try {
            sys.ptrace(request, t.tid, 0, sig);
        } catch (NativeError e) {
            if (e.errno() != ESRCH) {
                throw fail(e, t.tid);
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
            writeRaw(p, site.address, site.original);
            inspectStep(t, site.address);
            raw(t, Resume.STEP, sig);
            while (outcome == null) {
                waitRetry(t.tid, WALL);
                outcome = decode(t.tid, sys.status());
            }
            if (outcome instanceof Forked f && !f.vfork()) {
                // The fork copied memory while the original byte was in: plant it in the copy.
                ProcessState child = processes.get(f.childPid());
                if (child != null) {
                    writeRaw(child, site.address, AddressSpace.INT3);
                }
            }
        } finally {
            if (processes.get(p.pid) == p && p.space == space && space.sites.get(site.address) == site) {
                writeRaw(p, site.address, AddressSpace.INT3);
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
        ThreadState t = known(tid, "interrupt");
        if (t.stopped) {
            return false;
        }
        try {
            sys.ptrace(PTRACE_INTERRUPT, tid, 0, 0);
        } catch (NativeError e) {
            throw fail(e, tid);
        }
        t.interrupt = Interrupt.USER;
        return true;
    }

    void suppressSignal(int tid) {
        known(tid, "suppress signal").pendingSignal = 0;
    }

    int pendingSignal(int tid) {
        return known(tid, "pending signal").pendingSignal;
    }

    /**
     * Stops every running thread of {@code p} but {@code except} and waits until they are.
     * Threads that stop for a reason of their own (a signal, a breakpoint, an exit) have that
     * event queued for {@link #waitEvent}; the rest, stopped by the interrupt alone, are returned
     * for {@link #release}.
     */
    private List<ThreadState> hold(ProcessState p, ThreadState except) {
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
                sys.ptrace(PTRACE_INTERRUPT, t.tid, 0, 0);
            } catch (NativeError e) {
                if (e.errno() == ESRCH) {
                    continue;
                }
                throw fail(e, t.tid);
            }
            t.interrupt = Interrupt.HOLD;
            asked.add(t);
        }
        while (anyRunning(asked)) {
            int tid = waitRetry(-1, WAIT_ANY);
            TraceEvent e = decode(tid, sys.status());
            if (e != null) {
                queued.add(e);
            }
        }
        asked.removeIf(t -> threads.get(t.tid) != t || !t.heldSilently);
        return asked;
    }

    private boolean anyRunning(List<ThreadState> list) {
        for (ThreadState t : list) {
            if (threads.get(t.tid) == t && !t.stopped && !t.zombie) {
                return true;
            }
        }
        return false;
    }

    private void release(List<ThreadState> held) {
        for (ThreadState t : held) {
            if (threads.get(t.tid) == t && t.stopped && t.heldSilently) {
                reissue(t);
            }
        }
    }

    List<Integer> holdAllExcept(int tid) {
        ThreadState t = known(tid, "hold threads");
        return tids(hold(t.process, t));
    }

    List<Integer> stopAll(int pid) {
        return tids(hold(process(pid, "stop all"), null));
    }

    void release(Collection<Integer> tids) {
        List<ThreadState> list = new ArrayList<>();
        for (int tid : tids) {
            ThreadState t = threads.get(tid);
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
        for (ThreadState t : new ArrayList<>(threads.values())) {
            if (t.stopped && !t.zombie && !reported.contains(t.tid)) {
                resume(t.tid, Resume.CONT, -1);
            }
        }
    }

    // ------------------------------------------------------------------ registers

    Registers getRegisters(int tid) {
        ThreadState t = stoppedThread(tid, "get registers");
        int n;
        try {
            n = sys.getRegisters(tid, regs);
        } catch (NativeError e) {
            throw fail(e, tid);
        }
        Arch arch = Arch.ofRegisterCount(n);
        t.process.arch = arch;
        t.knownPc = regs[arch.pc];
        if (t.trapFlagAdopted) {
            regs[arch.flags] &= ~Registers.TRAP_FLAG; // the tracer's, not the program's
        }
        return new Registers(arch, regs);
    }

    void setRegisters(int tid, Registers r) {
        ThreadState t = stoppedThread(tid, "set registers");
        try {
            sys.setRegisters(tid, r.values(), r.arch().registerNames().size());
        } catch (NativeError e) {
            throw fail(e, tid);
        }
        t.knownPc = r.pc();
        t.pushf = null;
    }

    long pc(int tid) {
        ThreadState t = stoppedThread(tid, "read pc");
        try {
            return pcOf(t);
        } catch (NativeError e) {
            throw fail(e, tid);
        }
    }

    void setPc(int tid, long pc) {
        Registers r = getRegisters(tid);
        r.setPc(pc);
        r.cancelSyscallRestart();
        setRegisters(tid, r);
    }

    Arch arch(int pid) {
        ProcessState p = process(pid, "architecture");
        if (p.arch == null) {
            ThreadState t = p.anyThread();
            if (t == null || !t.stopped) {
                throw new TraceException("architecture", pid, 0, "architecture of " + pid + ": no thread is stopped to ask");
            }
            getRegisters(t.tid);
        }
        return p.arch;
    }

    private long pcOf(ThreadState t) {
        if (t.knownPc == ThreadState.UNKNOWN_PC) {
            t.knownPc = sys.peekUser(t.tid, USER_RIP);
        }
        return t.knownPc;
    }

    private void setPcRaw(ThreadState t, long pc) {
        sys.pokeUser(t.tid, USER_RIP, pc);
        t.knownPc = pc;
    }

    // ------------------------------------------------------------------ pushf

    /** Prepares for stepping the instruction at {@code pc} when it moves the trap flag (see {@link PushfFixup}). */
    private void inspectStep(ThreadState t, long pc) {
        t.pushf = null;
        t.steppedNonStore = false;
        int n = codeBytes(t, pc);
        if (n == 0) {
            return;
        }
        ProcessState p = t.process;
        if (p.arch == null) {
            p.arch = Arch.ofRegisterCount(sys.getRegisters(t.tid, regs));
        }
        t.steppedNonStore = !t.distrustNextStep && !StoreCheck.mayStore(code, n, p.arch);
        t.distrustNextStep = false;
        if (PushfFixup.loadsFlags(code, n)) {
            t.trapFlagAdopted = true;
            return;
        }
        int size = PushfFixup.pushfOperandSize(code, n, p.arch);
        if (size != 0) {
            Arch arch = Arch.ofRegisterCount(sys.getRegisters(t.tid, regs));
            t.pushf = new PushfFixup(regs[arch.sp] - size, pc + PushfFixup.instructionLength(code, n), size);
        }
    }

    /** Clears TF in a stopped thread's flags (the kernel took the tracer's TF for the program's). */
    private void clearTrapFlag(ThreadState t) {
        t.trapFlagAdopted = false;
        try {
            int n = sys.getRegisters(t.tid, regs);
            Arch arch = Arch.ofRegisterCount(n);
            if ((regs[arch.flags] & Registers.TRAP_FLAG) != 0) {
                regs[arch.flags] &= ~Registers.TRAP_FLAG;
                sys.setRegisters(t.tid, regs, n);
            }
        } catch (NativeError e) {
            if (e.errno() != ESRCH) {
                throw fail(e, t.tid);
            }
        }
    }

    private void clearPushedTrapFlag(ThreadState t) {
        PushfFixup f = t.pushf;
        t.pushf = null;
        Arch arch = Arch.ofRegisterCount(sys.getRegisters(t.tid, regs));
        t.knownPc = regs[arch.pc];
        if (regs[arch.sp] != f.expectedSp() || regs[arch.pc] != f.expectedPc()) {
            return; // it did not push after all
        }
        byte[] pushed = new byte[f.operandSize()];
        if (sys.readMemory(t.tid, f.expectedSp(), pushed, 0, pushed.length) == pushed.length && (pushed[1] & 1) != 0) {
            pushed[1] &= ~1; // TF is bit 8
            sys.writeMemory(t.tid, f.expectedSp(), pushed, 0, pushed.length);
        }
    }

    /** Up to 16 original code bytes from {@code pc} into {@link #code}, through the page cache. */
    private int codeBytes(ThreadState t, long pc) {
        AddressSpace space = t.process.space;
        int got = 0;
        while (got < code.length) {
            long addr = pc + got;
            long page = addr & -AddressSpace.PAGE;
            byte[] bytes = space.codePages.get(page);
            if (bytes == null) {
                bytes = new byte[AddressSpace.PAGE];
                int n;
                try {
                    n = sys.readMemory(t.tid, page, bytes, 0, bytes.length);
                } catch (NativeError e) {
                    n = 0;
                }
                if (n < bytes.length) {
                    return got;
                }
                space.maskSites(page, bytes, bytes.length);
                space.codePages.put(page, bytes);
            }
            int off = (int) (addr - page);
            int k = Math.min(code.length - got, AddressSpace.PAGE - off);
            System.arraycopy(bytes, off, code, got, k);
            got += k;
        }
        return got;
    }

    // ------------------------------------------------------------------ memory

    /** Memory as the program wrote it: planted int3 bytes read as the bytes they replaced. */
    byte[] readMemory(int tid, long address, int length) {
        ThreadState t = known(tid, "read memory");
        byte[] buf = new byte[length];
        int n = readInto(t.process, tid, address, buf);
        if (n < length) {
            throw new TraceException("read memory", tid, EFAULT, String.format(
                    "read memory: cannot read %d bytes at 0x%x in process %d", length, address, t.process.pid));
        }
        t.process.space.maskSites(address, buf, length);
        return buf;
    }

    /**
     * Writes {@code data}; where a breakpoint is planted the new byte becomes the one restored
     * later and the int3 stays. Read-only mappings (text) are written through /proc/PID/mem.
     */
    void writeMemory(int tid, long address, byte[] data) {
        ThreadState t = known(tid, "write memory");
        ProcessState p = t.process;
        byte[] out = data.clone();
        for (Site s : p.space.sites.values()) {
            long i = s.address - address;
            if (i >= 0 && i < data.length) {
                s.original = data[(int) i];
                out[(int) i] = AddressSpace.INT3;
            }
        }
        p.space.forgetCode(address, data.length);
        int n;
        try {
            n = sys.writeMemory(tid, address, out, 0, out.length);
        } catch (NativeError e) {
            n = 0;
        }
        if (n < out.length) {
            n += memoryFile(p, address + n, out, n, out.length - n, true);
        }
        if (n < out.length) {
            throw new TraceException("write memory", tid, EFAULT, String.format(
                    "write memory: cannot write %d bytes at 0x%x in process %d", data.length, address, p.pid));
        }
    }

    private int readInto(ProcessState p, int tid, long address, byte[] buf) {
        int n;
        try {
            n = sys.readMemory(tid, address, buf, 0, buf.length);
        } catch (NativeError e) {
            n = 0;
        }
        if (n < buf.length) {
            // process_vm_readv stops at pages it may not read; /proc/PID/mem reads them (FOLL_FORCE).
            n += memoryFile(p, address + n, buf, n, buf.length - n, false);
        }
        return n;
    }

    private byte[] readRaw(ProcessState p, long address, int length) {
        ThreadState t = p.anyThread();
        byte[] buf = new byte[length];
        if (readInto(p, t == null ? p.pid : t.tid, address, buf) < length) {
            throw new TraceException("read memory", p.pid, EFAULT, String.format(
                    "read memory: cannot read %d bytes at 0x%x in process %d", length, address, p.pid));
        }
        return buf;
    }

    /** One byte into text, through /proc/PID/mem: it writes read-only mappings and needs no stopped thread. */
    private void writeRaw(ProcessState p, long address, byte value) {
        if (memoryFile(p, address, new byte[] {value}, 0, 1, true) != 1) {
            throw new TraceException("write memory", p.pid, EFAULT, String.format(
                    "write memory: cannot write at 0x%x in process %d", address, p.pid));
        }
    }

    /**
     * Reads or writes through /proc/PID/task/TID/mem. The file answers only while its thread
     * lives: when the thread it was opened through has exited, it is reopened through a live one.
     */
    private int memoryFile(ProcessState p, long address, byte[] buf, int off, int len, boolean write) {
        int done = memoryFileOnce(p, address, buf, off, len, write);
        if (done < len && p.mem != null) {
            closeMemory(p);
            done += memoryFileOnce(p, address + done, buf, off + done, len - done, write);
        }
        return done;
    }

    private int memoryFileOnce(ProcessState p, long address, byte[] buf, int off, int len, boolean write) {
        try {
            if (p.mem == null) {
                ThreadState t = p.anyThread();
                int tid = t == null ? p.pid : t.tid;
                p.mem = java.nio.channels.FileChannel.open(Path.of("/proc", Integer.toString(p.pid), "task",
                        Integer.toString(tid), "mem"), java.nio.file.StandardOpenOption.READ,
                        java.nio.file.StandardOpenOption.WRITE);
            }
            ByteBuffer bb = ByteBuffer.wrap(buf, off, len);
            int done = 0;
            while (bb.hasRemaining()) {
                int n = write ? p.mem.write(bb, address + done) : p.mem.read(bb, address + done);
                if (n <= 0) {
                    break;
                }
                done += n;
            }
            return done;
        } catch (IOException | IllegalArgumentException e) {
            return 0;
        }
    }

    private void closeMemory(ProcessState p) {
        if (p.mem != null) {
            try {
                p.mem.close();
            } catch (IOException e) {
                // nothing to keep
            }
            p.mem = null;
        }
    }

    // ------------------------------------------------------------------ breakpoints

    Breakpoint insertBreakpoint(int pid, long address) {
        ProcessState p = process(pid, "insert breakpoint");
        Site site = p.space.sites.get(address);
        if (site == null) {
            site = new Site(address, readRaw(p, address, 1)[0]);
            writeRaw(p, address, AddressSpace.INT3);
            p.space.sites.put(address, site);
            p.space.retired.remove(address);
        }
        site.users++;
        return new Breakpoint(p.pid, address);
    }

    /** Removes one insert of the breakpoint; the original byte returns with the last. */
    void removeBreakpoint(Breakpoint bp) {
        ProcessState p = processes.get(bp.pid());
        if (p == null) {
            return;
        }
        Site site = p.space.sites.get(bp.address());
        if (site == null || --site.users > 0) {
            return;
        }
        writeRaw(p, site.address, site.original);
        p.space.sites.remove(site.address);
        p.space.retired.add(site.address);
    }

    List<Breakpoint> breakpoints(int pid) {
        ProcessState p = process(pid, "breakpoints");
        List<Breakpoint> list = new ArrayList<>();
        for (long a : p.space.sites.keySet()) {
            list.add(new Breakpoint(pid, a));
        }
        return list;
    }

    // ------------------------------------------------------------------ rseq

    boolean mayHaveWrittenMemory(int tid) {
        ThreadState t = threads.get(tid);
        return t == null || !t.steppedNonStore;
    }

    RseqConfiguration rseqConfiguration(int tid) {
        ThreadState t = stoppedThread(tid, "rseq configuration");
        if (t.atExec) {
            return new RseqConfiguration(0, 0, 0, 0); // the new image has registered nothing yet
        }
        try {
            long[] c = sys.rseqConfiguration(tid);
            return new RseqConfiguration(c[0], (int) c[1], (int) c[2], (int) c[3]);
        } catch (NativeError e) {
            throw fail(e, tid);
        }
    }

    RseqArea readRseq(int tid) {
        RseqConfiguration c = rseqConfiguration(tid);
        if (!c.registered()) {
            throw new TraceException("read rseq", tid, 0, "read rseq: thread " + tid + " has no rseq area");
        }
        ByteBuffer b = ByteBuffer.wrap(readMemory(tid, c.address(), 20)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        return new RseqArea(b.getInt(0), b.getInt(4), b.getLong(8), b.getInt(16));
    }

    void writeRseqCs(int tid, long value) {
        RseqConfiguration c = rseqConfiguration(tid);
        if (!c.registered()) {
            throw new TraceException("write rseq_cs", tid, 0, "write rseq_cs: thread " + tid + " has no rseq area");
        }
        byte[] b = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(value).array();
        writeMemory(tid, c.address() + RseqArea.RSEQ_CS_OFFSET, b);
    }

    // ------------------------------------------------------------------ CPUs

    int lastCpu(int tid) {
        ThreadState t = known(tid, "last cpu");
        int cpu = ProcFs.lastCpu(t.process.pid, tid);
        if (cpu < 0) {
            throw noSuchProcess("last cpu", tid);
        }
        return cpu;
    }

    int pinToCpuOf(int tid) {
        int cpu = lastCpu(tid);
        try {
            sys.pinCallingThread(cpu);
        } catch (NativeError e) {
            throw fail(e, tid);
        }
        return cpu;
    }

    void pinToCpu(int cpu) {
        try {
            sys.pinCallingThread(cpu);
        } catch (NativeError e) {
            throw new TraceException("pin tracer", 0, e.errno(), "pin tracer to CPU " + cpu + ": "
                    + NativeError.describe(e.errno()));
        }
    }

    void unpin() {
        sys.unpinCallingThread();
    }

    /**
     * Keeps thread {@code tid} on {@code cpu} until {@link #restoreAffinity}; its own mask is kept
     * to be given back then, or at detach. False when the kernel refuses that CPU (a cpuset
     * without it, the CPU offline): the thread's mask is then as it was.
     */
    boolean bindToCpu(int tid, int cpu) {
        ThreadState t = known(tid, "bind to cpu");
        if (cpu < 0 || cpu >= 1024) {
            return false;
        }
        try {
            if (t.ownAffinity == null) {
                t.ownAffinity = sys.threadAffinity(tid);
            }
            sys.setThreadAffinity(tid, oneCpu(cpu));
            return true;
        } catch (NativeError e) {
            if (e.errno() == EINVAL) {
                restoreAffinity(tid);
                return false;
            }
            throw fail(e, tid);
        }
    }

    boolean isBoundTo(int tid, int cpu) {
        known(tid, "cpu mask");
        try {
            return Arrays.equals(sys.threadAffinity(tid), oneCpu(cpu));
        } catch (NativeError e) {
            throw fail(e, tid);
        }
    }

    private static byte[] oneCpu(int cpu) {
        byte[] mask = new byte[128];
        mask[cpu / 8] = (byte) (1 << (cpu % 8));
        return mask;
    }

    /**
     * Keeps every thread of process {@code pid}, and those it creates, on {@code cpu} until
     * detach; {@link #restoreAffinity} then returns a thread to that CPU, not to its own mask.
     * False when the kernel refuses that CPU for one of them (the others are given back).
     */
    boolean bindProcess(int pid, int cpu) {
        ProcessState p = process(pid, "bind process");
        for (ThreadState t : p.threads.values()) {
            if (!t.zombie && !bindToCpu(t.tid, cpu)) {
                p.threads.values().forEach(o -> restoreAffinity(o.tid));
                return false;
            }
        }
        p.runCpu = cpu;
        return true;
    }

    /**
     * Gives a thread bound by {@link #bindToCpu} its own CPU mask back (or, under
     * {@link #bindProcess}, its run's CPU); nothing when it is not bound.
     */
    void restoreAffinity(int tid) {
        ThreadState t = threads.get(tid);
        if (t == null || t.ownAffinity == null) {
            return;
        }
        if (t.process.runCpu >= 0) {
            bindToCpu(tid, t.process.runCpu);
            return;
        }
        byte[] own = t.ownAffinity;
        t.ownAffinity = null;
        try {
            sys.setThreadAffinity(tid, own);
        } catch (NativeError e) {
            if (e.errno() != ESRCH) {
                throw fail(e, tid);
            }
        }
    }

    // ------------------------------------------------------------------ queries

    List<Integer> pids() {
        return new ArrayList<>(processes.keySet());
    }

    List<Integer> threadIds(int pid) {
        return new ArrayList<>(process(pid, "threads").threads.keySet());
    }

    boolean isStopped(int tid) {
        ThreadState t = threads.get(tid);
        return t != null && t.stopped;
    }

    boolean isTraced(int tid) {
        return threads.containsKey(tid);
    }

    int processOf(int tid) {
        return known(tid, "process of").process.pid;
    }

    // ------------------------------------------------------------------ bookkeeping

    private void register(ProcessState p, ThreadState t) {
        processes.putIfAbsent(p.pid, p);
        p.threads.put(t.tid, t);
        threads.put(t.tid, t);
    }

    private void forget(ProcessState p) {
        for (ThreadState t : p.threads.values()) {
            threads.remove(t.tid);
        }
        p.threads.clear();
        processes.remove(p.pid, p);
        closeMemory(p);
    }

    /** waitpid, retried on EINTR (a wake-up meant for the top-level wait only). */
    private int waitRetry(int pid, int options) {
        while (true) {
            try {
                return sys.waitpid(pid, options);
            } catch (NativeError e) {
                if (e.errno() != EINTR) {
                    throw new TraceException("wait", pid, e.errno(), "wait for " + pid + ": " + NativeError.describe(e.errno()));
                }
            }
        }
    }

    private void ensureOpen(String request) {
        if (closed) {
            throw new TracerClosedException(request);
        }
    }

    private ThreadState known(int tid, String request) {
        ensureOpen(request);
        ThreadState t = threads.get(tid);
        if (t == null) {
            throw new TraceException(request, tid, ESRCH, request + ": " + tid + " is not a traced thread");
        }
        return t;
    }

    private ThreadState stoppedThread(int tid, String request) {
        ThreadState t = known(tid, request);
        if (!t.stopped) {
            throw new TraceException(request, tid, 0, request + ": thread " + tid + " is running; it must be stopped first");
        }
        return t;
    }

    private ProcessState process(int pid, String request) {
        ensureOpen(request);
        ProcessState p = processes.get(pid);
        if (p == null) {
            ThreadState t = threads.get(pid);
            if (t != null) {
                return t.process;
            }
            throw new TraceException(request, pid, ESRCH, request + ": " + pid + " is not a traced process");
        }
        return p;
    }

    private static List<Integer> tids(List<ThreadState> list) {
        List<Integer> ids = new ArrayList<>(list.size());
        for (ThreadState t : list) {
            ids.add(t.tid);
        }
        return ids;
    }

    // ------------------------------------------------------------------ errors

    private TraceException fail(NativeError e, int tid) {
        String request = e.call();
        if (e.errno() == ESRCH) {
            ThreadState t = threads.get(tid);
            if (t != null && !t.stopped) {
                return new TraceException(request, tid, ESRCH, request + ": thread " + tid + " is running; it must be stopped first");
            }
            if (ProcFs.status(tid).isEmpty()) {
                return new TraceException(request, tid, ESRCH, request + ": thread " + tid + " is gone");
            }
        }
        if (e.errno() == EPERM && request.equals("PTRACE_SEIZE")) {
            return notPermitted("attach", tid);
        }
        return new TraceException(request, tid, e.errno(), request + " " + tid + ": " + NativeError.describe(e.errno()));
    }

    static TraceException noSuchProcess(String request, int pid) {
        return new TraceException(request, pid, ESRCH, request + " " + pid + ": no such process");
    }

    /** {@code tracer} is TracerPid: the tracing thread, named here by its process. */
    static TraceException alreadyTraced(String request, int pid, int tracer) {
        int process = ProcFs.status(tracer).map(ProcFs.Status::tgid).orElse(tracer);
        String name = ProcFs.status(process).map(ProcFs.Status::name).orElse("?");
        return new TraceException(request, pid, EPERM, request + " " + pid + ": already traced by process "
                + process + " (" + name + ")");
    }

    static TraceException notPermitted(String request, int pid) {
        String why = ProcFs.yamaPtraceScope().filter(scope -> scope > 0)
                .map(scope -> "kernel.yama.ptrace_scope is " + scope
                        + (scope >= 3 ? " (no process may be traced until reboot)" : "; run as root, give rseqdbg CAP_SYS_PTRACE, or set it to 0"))
                .orElse("tracing another user's process needs root or CAP_SYS_PTRACE");
        return new TraceException(request, pid, EPERM, request + " " + pid + ": not permitted: " + why);
    }

    // ------------------------------------------------------------------ wait status

    static boolean stoppedStatus(int status) {
        return (status & 0xff) == 0x7f;
    }

    static boolean exitedStatus(int status) {
        return (status & 0x7f) == 0;
    }

    static int exitCode(int status) {
        return (status >> 8) & 0xff;
    }

    static int termSignal(int status) {
        return status & 0x7f;
    }

    static int stopSignal(int status) {
        return (status >> 8) & 0xff;
    }

    static int event(int status) {
        return (status >> 16) & 0xff;
    }
}
