package io.rseqdbg.stepper.ptrace;

import io.rseqdbg.ptrace.Breakpoint;
import io.rseqdbg.ptrace.LaunchSpec;
import io.rseqdbg.ptrace.TraceEvent;
import io.rseqdbg.ptrace.TraceException;
import io.rseqdbg.ptrace.AllowedCpus;
import io.rseqdbg.ptrace.Syscall;
import io.rseqdbg.ptrace.Tracer;
import io.rseqdbg.stepper.Inferior;
import io.rseqdbg.stepper.TracedProgram;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

/**
 * A program under the ptrace {@link Tracer}, seen as the stepper's {@link Inferior}. Forked
 * children are let go at once: the stepper follows one program.
 */
public final class PtraceProgram implements TracedProgram, Inferior {

    /** How often (in stops) the tracer thread follows the program to the CPU it runs on. */
    private static final int REPIN_EVERY = 4096;

    private final Tracer tracer;
    private final int pid;
    private final Map<Long, Breakpoint> breakpoints = new HashMap<>();
    private final Map<Integer, Long> rseqAreas = new HashMap<>();
    private final List<Integer> initialThreads;
    /** Stops the attach already read (threads found in a job-control stop), reported first. */
    private final Deque<TraceEvent> early = new ArrayDeque<>();
    private static final boolean DEBUG = System.getenv("RSEQDBG_DEBUG") != null;
    private int stopsSincePin;
    /** {@code --bind}: the CPU the whole run is on, or -1 when the tracer follows the program. */
    private int boundCpu = -1;
    private boolean detached;

    private PtraceProgram(Tracer tracer) {
        this.tracer = tracer;
        this.pid = tracer.pid();
        this.initialThreads = tracer.threads(pid);
    }

    /** Starts {@code command} stopped at its first instruction; its stdio is rseqdbg's. */
    public static PtraceProgram launch(List<String> command) {
        return new PtraceProgram(Tracer.launch(LaunchSpec.of(command.get(0), command.subList(1, command.size()))));
    }

    /**
     * As {@link #launch(List)}, with address randomisation off and the environment
     * {@code environment} (null: rseqdbg's own) in {@code directory} (null: rseqdbg's own).
     */
    public static PtraceProgram launchRepeatable(List<String> command, java.util.Map<String, String> environment,
                                                 java.nio.file.Path directory) {
        return new PtraceProgram(Tracer.launch(LaunchSpec.of(command.get(0), command.subList(1, command.size()))
                .withEnvironment(environment).withWorkingDirectory(directory).withFixedAddresses()));
    }

    public static PtraceProgram attach(int pid, Tracer.Holder holder) {
        PtraceProgram program = new PtraceProgram(Tracer.attach(pid, holder));
        // A stopped program's threads report their group-stop at the attach itself.
        program.tracer.call(() -> {
            for (var e = program.tracer.pollEvent(); e.isPresent(); e = program.tracer.pollEvent()) {
                program.early.add(e.get());
            }
            return null;
        });
        return program;
    }

    // ------------------------------------------------------------------ TracedProgram

    @Override
    public <T> T call(Callable<T> task) {
        return tracer.call(() -> {
            if (boundCpu < 0) {
                tracer.pinToCpuOf(pid);
            }
            return task.call();
        });
    }

    @Override
    public int bind(int cpu) {
        return tracer.call(() -> {
            int chosen = cpu >= 0 ? cpu : tracer.lastCpu(pid);
            // The program's own mask decides, not only the kernel: binding would widen a narrower mask.
            AllowedCpus allowed = AllowedCpus.of(pid);
            if (!allowed.contains(chosen) || !tracer.bindProcess(pid, chosen)) {
                throw new IllegalArgumentException("--bind=" + chosen + ": the program may not run on CPU " + chosen
                        + " (its CPUs: " + allowed + ")");
            }
            boundCpu = chosen;
            return chosen;
        });
    }

    @Override
    public Inferior inferior() {
        return this;
    }

    @Override
    public List<Integer> threads() {
        return initialThreads;
    }

    @Override
    public OptionalInt awaitExit() throws InterruptedException {
        Optional<Process> launcher = tracer.launchedProcess();
        if (launcher.isEmpty()) {
            return OptionalInt.empty();
        }
        close();
        return OptionalInt.of(launcher.get().waitFor());
    }

    @Override
    public void close() {
        tracer.close();
    }

    // ------------------------------------------------------------------ Inferior

    @Override
    public Stop next() {
        while (true) {
            if (boundCpu < 0 && ++stopsSincePin >= REPIN_EVERY) {
                stopsSincePin = 0;
                tracer.pinToCpuOf(pid);
            }
            TraceEvent e = early.isEmpty() ? tracer.waitEvent() : early.poll();
            Stop stop = translate(e);
            if (DEBUG) {
                System.err.println("event " + e + " -> " + stop);
            }
            if (stop != null) {
                return stop;
            }
        }
    }

    private Stop translate(TraceEvent e) {
        boolean exit = e instanceof TraceEvent.ProcessExited || e instanceof TraceEvent.ProcessKilled;
        if (!exit && !(e instanceof TraceEvent.ThreadExited) && tracer.processOf(e.tid()) != pid) {
            // A forked child: it and whatever it starts run on untouched, stopped as job control says.
            if (e instanceof TraceEvent.GroupStop) {
                tracer.listen(e.tid());
                return null;
            }
            tracer.cont(e.tid());
            if (e instanceof TraceEvent.ThreadCreated c) {
                tracer.cont(c.newTid());
            } else if (e instanceof TraceEvent.Forked f) {
                tracer.cont(f.childPid());
            }
            return null;
        }
        if (e instanceof TraceEvent.Stepped s) {
            if (s.syscall() != null) {
                // It may have moved its registration (rseq unregister, register elsewhere): the
                // old area is the program's memory again, never to be written as rseq_cs.
                rseqAreas.remove(s.tid());
            }
            long pc = tracer.pc(s.tid());
            return s.syscall() == null ? new Stop.Trapped(s.tid(), pc, -1) : new Stop.SyscallStepped(s.tid(), pc, s.syscall());
        } else if (e instanceof TraceEvent.BreakpointHit b) {
            return new Stop.Trapped(b.tid(), b.address(), b.address());
        } else if (e instanceof TraceEvent.SignalStop s) {
            return new Stop.Signalled(s.tid(), s.signal(), s.info());
        } else if (e instanceof TraceEvent.Interrupted i) {
            return new Stop.Interrupted(i.tid());
        } else if (e instanceof TraceEvent.GroupStop g) {
            return new Stop.GroupStopped(g.tid(), g.signal());
        } else if (e instanceof TraceEvent.Continued c) {
            return new Stop.Continued(c.tid());
        } else if (e instanceof TraceEvent.ThreadCreated c) {
            return new Stop.Cloned(c.tid(), c.newTid());
        } else if (e instanceof TraceEvent.Forked f) {
            tracer.cont(f.childPid()); // the stepper follows one program: the child runs on
            return new Stop.Forked(f.tid(), f.childPid(), f.vfork());
        } else if (e instanceof TraceEvent.Exec x) {
            rseqAreas.clear();
            breakpoints.clear();
            return new Stop.Exec(x.tid());
        } else if (e instanceof TraceEvent.ThreadExited t) {
            rseqAreas.remove(t.tid());
            return new Stop.ThreadExited(t.tid());
        } else if (e instanceof TraceEvent.ProcessExited p) {
            return p.pid() == pid ? new Stop.Exited(p.pid(), p.exitCode(), 0) : null;
        } else if (e instanceof TraceEvent.ProcessKilled k) {
            return k.pid() == pid ? new Stop.Exited(k.pid(), 128 + k.signal(), k.signal()) : null;
        }
        throw new IllegalStateException("unexpected trace event " + e);
    }

    @Override
    public void step(int tid, int signal) {
        tracer.singleStep(tid, signal);
    }

    @Override
    public void resume(int tid, int signal) {
        if (DEBUG) {
            System.err.println("cont " + tid + " " + signal);
        }
        tracer.cont(tid, signal);
    }

    @Override
    public void interrupt(int tid) {
        tracer.interrupt(tid);
    }

    @Override
    public void listen(int tid) {
        tracer.listen(tid);
    }

    @Override
    public boolean stopPending(int tid) {
        return early.stream().anyMatch(e -> e.tid() == tid);
    }

    @Override
    public long pc(int tid) {
        return tracer.pc(tid);
    }

    @Override
    public void setPc(int tid, long pc) {
        tracer.setPc(tid, pc);
    }

    @Override
    public boolean mayHaveStored(int tid) {
        return tracer.mayHaveWrittenMemory(tid);
    }

    @Override
    public long readLong(long address) {
        return tracer.readLong(pid, address);
    }

    @Override
    public void writeLong(long address, long value) {
        if (DEBUG) {
            System.err.printf("write 0x%x = 0x%x (was 0x%x)%n", address, value, readLong(address));
        }
        byte[] bytes = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
        tracer.writeMemory(pid, address, bytes);
    }

    @Override
    public byte[] read(long address, int length) {
        return tracer.readMemory(pid, address, length);
    }

    @Override
    public void write(long address, byte[] bytes) {
        tracer.writeMemory(pid, address, bytes);
    }

    @Override
    public Syscall answerSyscall(int tid, long number, long result) {
        return tracer.answerSyscall(tid, number, result);
    }

    /** Recorded for rseqdbg-tracer: a field left cleared by a dead JVM would leave its section unprotected after the let-go. */
    @Override
    public void setRseqCs(int tid, long value) {
        long area = rseqArea(tid);
        if (area == 0) {
            return;
        }
        if (DEBUG) {
            System.err.printf("rseq_cs of %d = 0x%x (was 0x%x)%n", tid, value, rseqCs(tid));
        }
        try {
            tracer.writeRseqCs(tid, area, value);
        } catch (TraceException e) {
            if (!Tracer.threadGone(pid, tid)) {
                throw e;
            }
            // Exited with its exit event still unread (a let-go's backlog): nothing to protect.
        }
    }

    @Override
    public long rseqArea(int tid) {
        Long known = rseqAreas.get(tid);
        if (known != null) {
            return known;
        }
        // Not cached while 0: the thread registers during start-up, after its first steps.
        long area = tracer.rseqConfiguration(tid).address();
        if (area != 0) {
            rseqAreas.put(tid, area);
        }
        return area;
    }

    @Override
    public boolean bindToCpu(int tid, int cpu) {
        return tracer.bindToCpu(tid, cpu);
    }

    @Override
    public void restoreAffinity(int tid) {
        tracer.restoreAffinity(tid);
    }

    @Override
    public boolean isBoundTo(int tid, int cpu) {
        return tracer.isBoundTo(tid, cpu);
    }

    @Override
    public void insertBreakpoint(long address) {
        breakpoints.put(address, tracer.insertBreakpoint(pid, address));
    }

    @Override
    public void removeBreakpoint(long address) {
        Breakpoint b = breakpoints.remove(address);
        if (b != null) {
            tracer.removeBreakpoint(b);
        }
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public boolean threadGone(int tid) {
        return Tracer.threadGone(pid, tid);
    }

    @Override
    public void wakeUp() {
        // Handed to the tracer thread, which runs it even while it waits for the program.
        try {
            tracer.call(() -> {
                for (int tid : tracer.threads(pid)) {
                    if (!tracer.isStopped(tid)) {
                        tracer.interrupt(tid);
                    }
                }
                return null;
            });
        } catch (RuntimeException e) {
            // the tracer is closed: nothing is left to wake
        }
    }

    @Override
    public void detach(Map<Integer, Integer> signals) {
        // The tracer still holds each of those signals as its thread's pending signal (no resume
        // consumed it) and delivers it with PTRACE_DETACH.
        if (!detached) {
            detached = true;
            breakpoints.values().forEach(tracer::removeBreakpoint);
            breakpoints.clear();
            tracer.close();
        }
    }
}
