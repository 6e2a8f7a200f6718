package io.rseqdbg.ptrace;

import io.rseqdbg.ptrace.ThreadState.Resume;
import io.rseqdbg.ptrace.internal.Syscalls;
import io.rseqdbg.ptrace.internal.TracerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A ptrace tracer: launches or attaches to a program, follows its threads (and forked
 * children), reports their stops as {@link TraceEvent}s, reads and writes registers and memory,
 * plants breakpoints, and restores every byte it changed when it is closed.
 *
 * <p>All ptrace and waitpid calls happen on one platform thread owned by the tracer. Every
 * method may be called from any thread: it hands its work to the tracer thread and waits. Called
 * on the tracer thread — inside {@link #call(Callable)} — the methods run directly, so a
 * single-step loop run through {@code call} pays no hand-over per step.
 *
 * <p>Threads are named by their tid. A thread must be stopped (after an event or a hold) for
 * register access and resumption. Signals: a {@link TraceEvent.SignalStop}'s signal is delivered
 * on the thread's next resume through {@link #cont(int)} or {@link #singleStep(int)} unless
 * {@link #suppressSignal(int)} drops it; the overloads taking a signal deliver exactly that one.
 *
 * <p>Closing — explicitly, on an exception escaping {@link #launch}/{@link #attach}, or from the
 * JVM's shutdown hook on SIGINT/SIGTERM — stops every thread, puts back every byte a breakpoint
 * replaced, and detaches, leaving the programs running. A waiter blocked in
 * {@link #waitEvent()} then gets a {@link TracerClosedException}.
 */
public final class Tracer implements AutoCloseable {
    /** How long the shutdown hook waits for the tracer thread to restore and detach. */
    private static final long SHUTDOWN_MILLIS = 5_000;

    private final TracerThread thread;
    private final Tracees tracees;
    private final Session session;
    private final RegisterAccess registers;
    private final Breakpoints breakpoints;
    private final RseqAccess rseq;
    private final ProcessMemory memory;
    private final StepFixups fixups;
    private final CpuAffinity affinity;
    private final Attacher attacher;
    private final Detacher detacher;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final Thread shutdownHook;
    private volatile int mainPid;
    private volatile Process launched;

    private Tracer() {
        this(null);
    }

    private Tracer(TracerProcess tracerProcess) {
        thread = new TracerThread("rseqdbg-tracer", tracerProcess);
        // Made here, used on the tracer thread only: every call reaches them through onTracer.
        Syscalls sys = thread.syscalls();
        tracees = new Tracees();
        memory = new ProcessMemory(sys, tracees);
        fixups = new StepFixups(sys, tracees, memory);
        affinity = new CpuAffinity(sys, tracees);
        registers = new RegisterAccess(sys, tracees);
        breakpoints = new Breakpoints(tracees, memory);
        rseq = new RseqAccess(sys, tracees, memory);
        session = new Session(thread, tracees, registers, memory, fixups);
        detacher = new Detacher(sys, tracees, session, memory, fixups, affinity);
        attacher = new Attacher(sys, tracees, session, detacher, thread.tid());
        shutdownHook = new Thread(this::closeOnShutdown, "rseqdbg-tracer-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts {@code spec}'s program stopped at its first instruction after exec (the dynamic
     * loader's entry for a dynamic program), traced with all its future threads and children.
     */
    public static Tracer launch(LaunchSpec spec) {
        Path program = Launcher.resolve(spec);
        Tracer tracer = new Tracer();
        Process launcher = null;
        try {
            // Started on this thread, never the tracer thread: the launcher is then not a child
            // of the tracer thread, whose waitpid(__WNOTHREAD) cannot reap it from the JDK.
            launcher = Launcher.start(spec, program);
            Process started = launcher;
            tracer.launched = launcher;
            tracer.mainPid = tracer.onTracer(() -> tracer.attacher.adoptLaunched(started, spec.program()));
            return tracer;
        } catch (RuntimeException e) {
            tracer.kill();
            tracer.close();
            if (launcher != null) {
                launcher.destroyForcibly();
            }
            throw e;
        }
    }

    /**
     * An attached program must outlive rseqdbg, however it dies: the tracer process holds the
     * attachment and lets the program go properly if the JVM goes first.
     */
    private static TracerProcess startTracerProcess() {
        Path binary = NativeBinary.path("rseqdbg-tracer", "attach");
        try {
            return TracerProcess.start(binary);
        } catch (IOException e) {
            throw new TraceException("attach", 0, 0, "attach: cannot start " + binary + ": " + e.getMessage());
        }
    }

    /**
     * Attaches to every thread of the running process {@code pid} (PTRACE_SEIZE, then
     * PTRACE_INTERRUPT), racing threads that start meanwhile. On return all of them are stopped;
     * {@link #resumeAll()} sets them going. A pid that is a thread means its process.
     *
     * <p>The process must not be a child of this JVM started with ProcessBuilder: the JDK's
     * reaper would take its stops. Start such targets through a shell ({@code sh -c 'prog &'}).
     */
    public static Tracer attach(int pid) {
        return attach(pid, Holder.TRACER_PROCESS);
    }

    /** Which task holds the ptrace attachment of an attached program, and so decides its fate when rseqdbg dies. */
    public enum Holder {
        /**
         * rseqdbg-tracer, a process of its own: the program outlives rseqdbg however rseqdbg
         * dies (SIGKILL, the OOM killer); each ptrace call costs a round trip to it.
         */
        TRACER_PROCESS,
        /**
         * A thread of this JVM: stepping about twice as fast, but a JVM killed outright (SIGKILL)
         * leaves the kernel to detach, and a thread stepped or stopped then dies of SIGTRAP.
         */
        JVM
    }

    /** As {@link #attach(int)}, the attachment held by {@code holder}. */
    public static Tracer attach(int pid, Holder holder) {
        Tracer tracer = new Tracer(holder == Holder.TRACER_PROCESS ? startTracerProcess() : null);
        try {
            tracer.mainPid = tracer.onTracer(() -> tracer.attacher.attach(pid));
            return tracer;
        } catch (RuntimeException e) {
            tracer.close();
            throw e;
        }
    }

    /**
     * Loads the native bindings now (JNA's start-up takes most of a second on a cold JVM), so that
     * a following {@link #attach} stops the program only for the attach itself.
     */
    public static void preload() {
        Syscalls.gettid();
    }

    /**
     * {@link System#nanoTime()} just before {@link #attach} seized the first thread: where the
     * program's stop began (the tracer's own start-up before it is not the program's time).
     */
    public long attachStartNanos() {
        return attacher.firstSeizeNanos();
    }

    // ---------------------------------------------------------------- the tracer thread

    /**
     * Runs {@code work} on the tracer thread and returns its result; inside it every method of
     * this tracer runs directly. Use it for loops that must not pay a hand-over per call.
     */
    public <T> T call(Callable<T> work) {
        return onTracer(work);
    }

    /** True on the tracer thread (inside {@link #call}). */
    public boolean onTracerThread() {
        return thread.isCurrent();
    }

    /**
     * The one way this class reaches the tracee: every request runs on the tracer thread
     * ({@link TracerThread} enforces the one-thread rule), directly when already there.
     */
    private <T> T onTracer(Callable<T> work) {
        return thread.call(work);
    }

    private void onTracer(Runnable work) {
        thread.call(() -> {
            work.run();
            return null;
        });
    }

    // ---------------------------------------------------------------- processes and threads

    /** The launched or attached process. */
    public int pid() {
        return mainPid;
    }

    /** The launcher process of a launched program: its exit status mirrors the program's, and
     * its streams are the program's when the {@link LaunchSpec} asked for pipes. */
    public Optional<Process> launchedProcess() {
        return Optional.ofNullable(launched);
    }

    /** Every traced process (the main one and forked children still traced). */
    public List<Integer> pids() {
        return onTracer(tracees::pids);
    }

    /** The traced threads of process {@code pid}. */
    public List<Integer> threads(int pid) {
        return onTracer(() -> tracees.threadIds(pid));
    }

    public boolean isStopped(int tid) {
        return onTracer(() -> tracees.isStopped(tid));
    }

    public int processOf(int tid) {
        return onTracer(() -> tracees.processOf(tid));
    }

    // ---------------------------------------------------------------- events

    /** Waits for the next event of any traced thread. */
    public TraceEvent waitEvent() {
        return onTracer(() -> session.waitEvent(true));
    }

    /** The next event if one is ready, without waiting. */
    public Optional<TraceEvent> pollEvent() {
        return Optional.ofNullable(onTracer(() -> session.waitEvent(false)));
    }

    // ---------------------------------------------------------------- running and stopping

    /**
     * Single-steps a stopped thread, delivering its pending signal (the step then ends at the
     * handler's first instruction). Standing on a planted breakpoint, the thread steps over it.
     * The outcome comes as an event: normally {@link TraceEvent.Stepped}.
     */
    public void singleStep(int tid) {
        onTracer(() -> session.resume(tid, Resume.STEP, -1));
    }

    /** Single-steps delivering exactly {@code signal} (0: none), whatever was pending. */
    public void singleStep(int tid, int signal) {
        checkSignal(signal);
        onTracer(() -> session.resume(tid, Resume.STEP, signal));
    }

    /** Continues a stopped thread, delivering its pending signal; steps over a breakpoint it stands on. */
    public void cont(int tid) {
        onTracer(() -> session.resume(tid, Resume.CONT, -1));
    }

    /** Continues delivering exactly {@code signal} (0: none), whatever was pending. */
    public void cont(int tid, int signal) {
        checkSignal(signal);
        onTracer(() -> session.resume(tid, Resume.CONT, signal));
    }

    /** PTRACE_LISTEN: leaves a thread in its group-stop yet lets it report a SIGCONT. */
    public void listen(int tid) {
        onTracer(() -> session.resume(tid, Resume.LISTEN, 0));
    }

    /** Continues every stopped thread whose event has been read. */
    public void resumeAll() {
        onTracer(() -> session.resumeAll());
    }

    /**
     * PTRACE_INTERRUPT: asks a running thread to stop; it reports {@link TraceEvent.Interrupted}
     * (or whatever stopped it first). False when the thread is already stopped.
     */
    public boolean interrupt(int tid) {
        return onTracer(() -> session.interrupt(tid));
    }

    /** Drops the signal a {@link TraceEvent.SignalStop} left pending for the thread. */
    public void suppressSignal(int tid) {
        onTracer(() -> session.suppressSignal(tid));
    }

    /** The signal the thread's next resume delivers, 0 when none. */
    public int pendingSignal(int tid) {
        return onTracer(() -> session.pendingSignal(tid));
    }

    /**
     * Stops every other running thread of {@code tid}'s process and waits until they are
     * stopped. Returns the threads stopped by this call alone, for {@link #release}; a thread that
     * stopped for its own reason meanwhile (signal, breakpoint, exit) has that event waiting in
     * {@link #waitEvent()} instead and stays stopped until resumed.
     */
    public List<Integer> holdAllExcept(int tid) {
        return onTracer(() -> session.holdAllExcept(tid));
    }

    /** As {@link #holdAllExcept} for every thread of process {@code pid}. */
    public List<Integer> stopAll(int pid) {
        return onTracer(() -> session.stopAll(pid));
    }

    /** Sets held threads running again the way they ran before the hold. */
    public void release(Collection<Integer> held) {
        onTracer(() -> session.release(held));
    }

    // ---------------------------------------------------------------- registers

    public Registers getRegisters(int tid) {
        return onTracer(() -> registers.getRegisters(tid));
    }

    public void setRegisters(int tid, Registers registers) {
        onTracer(() -> this.registers.setRegisters(tid, registers));
    }

    /** The pc of a stopped thread (one PEEKUSER, or none when already known). */
    public long pc(int tid) {
        return onTracer(() -> registers.pc(tid));
    }

    /** Moves a stopped thread's pc, cancelling any system call restart (orig_rax = -1). */
    public void setPc(int tid, long pc) {
        onTracer(() -> registers.setPc(tid, pc));
    }

    /**
     * Answers the system call a stopped x86-64 thread is about to make without the kernel running
     * it: the pc moves past its {@code syscall} instruction and {@code result} lands in rax, as if
     * the call had returned that. Null, and nothing changed, unless the next instruction is
     * {@code syscall} with {@code number} in rax. Record/replay's injection of a recorded result.
     */
    public Syscall answerSyscall(int tid, long number, long result) {
        return onTracer(() -> {
            Registers r = registers.getRegisters(tid);
            byte[] code = memory.read(tid, r.pc(), 2);
            if (r.arch() != Arch.X86_64 || code.length != 2 || code[0] != 0x0f || code[1] != 0x05
                    || r.result() != number) {
                return null;
            }
            r.setPc(r.pc() + 2);
            r.set("rax", result);
            r.cancelSyscallRestart();
            registers.setRegisters(tid, r);
            return Syscall.answered(number, r);
        });
    }

    /** The architecture of process {@code pid} (x86-64 or i386). */
    public Arch arch(int pid) {
        return onTracer(() -> registers.arch(pid));
    }

    // ---------------------------------------------------------------- memory

    /** Reads memory as the program sees it: planted breakpoints read as the bytes they replaced. */
    public byte[] readMemory(int tid, long address, int length) {
        return onTracer(() -> memory.read(tid, address, length));
    }

    /** Writes memory, text included; bytes under planted breakpoints become what they restore. */
    public void writeMemory(int tid, long address, byte[] data) {
        onTracer(() -> memory.write(tid, address, data));
    }

    public long readLong(int tid, long address) {
        byte[] b = readMemory(tid, address, 8);
        return java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    public int readInt(int tid, long address) {
        byte[] b = readMemory(tid, address, 4);
        return java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
    }

    // ---------------------------------------------------------------- breakpoints

    /**
     * Plants an int3 at {@code address} in process {@code pid} (a shared count: planting twice
     * needs two removals). A hit is reported as {@link TraceEvent.BreakpointHit} with the pc
     * already back on {@code address}.
     */
    public Breakpoint insertBreakpoint(int pid, long address) {
        return onTracer(() -> breakpoints.insertBreakpoint(pid, address));
    }

    public void removeBreakpoint(Breakpoint breakpoint) {
        onTracer(() -> breakpoints.removeBreakpoint(breakpoint));
    }

    public List<Breakpoint> breakpoints(int pid) {
        return onTracer(() -> breakpoints.breakpoints(pid));
    }

    // ---------------------------------------------------------------- rseq

    /** PTRACE_GET_RSEQ_CONFIGURATION of a stopped thread. */
    public RseqConfiguration rseqConfiguration(int tid) {
        return onTracer(() -> rseq.rseqConfiguration(tid));
    }

    /** The thread's live struct rseq (cpu_id_start, cpu_id, rseq_cs, flags). */
    public RseqArea readRseq(int tid) {
        return onTracer(() -> rseq.readRseq(tid));
    }

    /** Writes the thread's rseq_cs field (0 clears it, so the kernel has nothing to abort). */
    public void writeRseqCs(int tid, long value) {
        onTracer(() -> rseq.writeRseqCs(tid, value));
    }

    /**
     * Writes rseq_cs in the {@code struct rseq} at {@code area}, thread {@code tid}'s (as its
     * registration was read before). A cleared field is put back by rseqdbg-tracer if the JVM dies.
     */
    public void writeRseqCs(int tid, long area, long value) {
        onTracer(() -> rseq.writeRseqCs(tid, area, value));
    }

    // ---------------------------------------------------------------- CPUs

    /**
     * True when thread {@code tid} of process {@code pid} is dead or dying: gone from /proc, a
     * zombie, or SIGKILLed and not yet dead. An operation that failed on such a thread is no error;
     * its exit event is on its way. Safe from any thread.
     */
    public static boolean threadGone(int pid, int tid) {
        char state = ProcFs.threadState(pid, tid);
        return state == '?' || state == 'Z' || state == 'X'
                || ProcFs.signalPendingAnywhere(pid, tid, WaitStatus.SIGKILL);
    }

    /**
     * False only when the thread's last resume single-stepped one instruction that writes no
     * memory (a register move, a load, a jump...): memory it alone could change is as it was.
     */
    public boolean mayHaveWrittenMemory(int tid) {
        return onTracer(() -> fixups.mayHaveWrittenMemory(tid));
    }

    /** The CPU a thread last ran on (/proc/PID/task/TID/stat, field 39). */
    public int lastCpu(int tid) {
        return onTracer(() -> affinity.lastCpu(tid));
    }

    /**
     * Moves the tracer thread — never the tracee — onto the CPU {@code tid} last ran on, and
     * returns that CPU. Tracer and tracee on one CPU make a single-step round trip several times
     * cheaper, when the scheduler keeps the tracee there (it may move it to an idle CPU).
     */
    public int pinToCpuOf(int tid) {
        return onTracer(() -> affinity.pinToCpuOf(tid));
    }

    /** Moves the tracer thread onto one CPU. */
    public void pinToCpu(int cpu) {
        onTracer(() -> affinity.pinToCpu(cpu));
    }

    /** Lets the tracer thread run on all its CPUs again. */
    public void unpin() {
        onTracer(() -> affinity.unpin());
    }

    /**
     * Keeps a traced thread on one CPU until {@link #restoreAffinity}, {@link #close()} or the
     * tracer's shutdown gives it its own mask back. False when the kernel refuses that CPU.
     */
    public boolean bindToCpu(int tid, int cpu) {
        return onTracer(() -> affinity.bindToCpu(tid, cpu));
    }

    /**
     * {@code --bind}: every thread of {@code pid}, those it creates, and the tracer thread on one
     * CPU until detach, which gives each thread its own mask back. False when the kernel refuses
     * that CPU for the program.
     */
    public boolean bindProcess(int pid, int cpu) {
        return onTracer(() -> {
            if (!affinity.bindProcess(tracees.process(pid, "bind process"), cpu)) {
                return false;
            }
            affinity.pinToCpu(cpu);
            return true;
        });
    }

    /** True while thread {@code tid}'s CPU mask is exactly {@code cpu} (the kernel rewrites it on hotplug or cpuset changes). */
    public boolean isBoundTo(int tid, int cpu) {
        return onTracer(() -> affinity.isBoundTo(tid, cpu));
    }

    /** Gives a thread bound by {@link #bindToCpu} its own CPU mask back. */
    public void restoreAffinity(int tid) {
        onTracer(() -> affinity.restoreAffinity(tid));
    }

    // ---------------------------------------------------------------- the end

    /** SIGKILLs every traced process and reaps it; then {@link #close()} has nothing left to do. */
    public void kill() {
        if (closing.get()) {
            return;
        }
        onTracer(() -> session.killAll());
    }

    /**
     * Stops every traced thread, restores every byte a breakpoint replaced and detaches, leaving
     * the programs running. Idempotent.
     */
    @Override
    public void close() {
        closeWithin(Long.MAX_VALUE);
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down
        }
    }

    private void closeOnShutdown() {
        try {
            closeWithin(SHUTDOWN_MILLIS);
        } catch (RuntimeException e) {
            System.err.println("rseqdbg: " + e.getMessage());
        }
    }

    private void closeWithin(long millis) {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        // An interrupted caller (a test's timeout, say) must still get its tracees restored.
        boolean interrupted = Thread.interrupted();
        try {
            thread.call(() -> {
                boolean restored = false;
                try {
                    detacher.detachAll();
                    restored = true;
                } finally {
                    thread.syscalls().closeTracerProcess(restored);
                }
                return null;
            }, millis);
        } finally {
            thread.stop();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void checkSignal(int signal) {
        if (signal < 0 || signal > 64) {
            throw new IllegalArgumentException("no signal " + signal);
        }
    }
}
