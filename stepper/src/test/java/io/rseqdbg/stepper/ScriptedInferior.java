package io.rseqdbg.stepper;

import io.rseqdbg.ptrace.Syscall;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A one-thread program for unit tests of the stepper's decisions, with no process: code is a
 * line of addresses (each instruction one byte unless {@link #jump} says where it goes), memory
 * a sparse map, and one critical section whose descriptor the instruction at {@link #ENTRY_STORE}
 * stores into {@code rseq_cs}. Its kernel follows the rule the stepper must respect: a thread
 * resumed from a stop inside the section while {@code rseq_cs} names it is aborted.
 *
 * <p>Addresses lie below 64 KiB, where no process maps anything, so the stepper finds the section
 * through the live {@code rseq_cs} field, as for code without tables.
 */
final class ScriptedInferior implements Inferior {

    static final int TID = 4242;
    static final long START_PC = 0x1000;
    static final long ENTRY_STORE = 0x100e; // a 2-byte mov to memory; start_ip follows it
    static final long CS_START = 0x1010;
    static final long CS_POST_COMMIT = 0x1020;
    static final long CS_ABORT = 0x1030;
    static final long EXIT_PC = 0x1050;
    static final long DESCRIPTOR = 0x2000;
    static final long RSEQ_AREA = 0x3000;

    private final Deque<Stop> stops = new ArrayDeque<>();
    private final Map<Long, Byte> memory = new HashMap<>();
    private final Map<Long, Long> jumps = new HashMap<>();
    private final Map<Long, Long> jumpsOnce = new HashMap<>();
    private final Set<Long> breakpoints = new HashSet<>();
    /** Instructions executed so far, and the CPU the thread is moved to after a given count. */
    private long executed;
    private final Map<Long, Integer> migrateAfter = new HashMap<>();
    private final Map<Long, Integer> maskLostAfter = new HashMap<>();
    /** The CPU the thread's mask was rewritten to send it to, at its next return to user space. */
    private int movingTo = -1;
    private int boundCpu = -1;
    private long pc = START_PC;
    /** Job control: a SIGSTOP that stops the thread after so many instructions, and its state. */
    private final Map<Long, Integer> jobStopAfter = new HashMap<>();
    private int jobSignal;
    private boolean jobStopped;
    private boolean listening;
    /** Whether SIGCONT comes while the thread listens (else it stays stopped until interrupted). */
    boolean sigcontWhileListening = true;
    int listens;
    boolean detached;
    boolean jobStoppedAtDetach;
    /** System calls by address of their instruction, and a fork the first step there reports first. */
    private final Map<Long, Syscall> syscalls = new HashMap<>();
    private final Map<Long, Integer> forks = new HashMap<>();
    boolean bindingAllowed = true;
    final List<Integer> boundTo = new ArrayList<>();
    int restores;
    int kernelAborts;
    int cpu;

    ScriptedInferior() {
        jump(ENTRY_STORE, CS_START);
        jump(CS_POST_COMMIT, 0x1040);
        memory.put(ENTRY_STORE, (byte) 0x89); // mov %eax,(%rdi)
        memory.put(ENTRY_STORE + 1, (byte) 0x07);
        writeLong(DESCRIPTOR, 0); // version 0, flags 0
        writeLong(DESCRIPTOR + 8, CS_START);
        writeLong(DESCRIPTOR + 16, CS_POST_COMMIT - CS_START);
        writeLong(DESCRIPTOR + 24, CS_ABORT);
        setCpu(0);
    }

    /** The instruction at {@code from} goes to {@code to}. */
    ScriptedInferior jump(long from, long to) {
        jumps.put(from, to);
        return this;
    }

    /** The instruction at {@code from} goes to {@code to} the first time only, then falls through. */
    ScriptedInferior jumpOnce(long from, long to) {
        jumpsOnce.put(from, to);
        return this;
    }

    /**
     * After {@code instructions} executed instructions in all, the thread runs on {@code cpu},
     * whatever its mask says (what a kernel that lost track of a binding would do).
     */
    ScriptedInferior migrateAfter(long instructions, int cpu) {
        migrateAfter.put(instructions, cpu);
        return this;
    }

    /**
     * After {@code instructions} executed instructions, the kernel rewrites the thread's mask (its
     * CPU went offline): it runs on {@code cpu} from its next return to user space.
     */
    ScriptedInferior maskLostAfter(long instructions, int cpu) {
        maskLostAfter.put(instructions, cpu);
        return this;
    }

    /**
     * After {@code instructions} executed instructions the process is sent {@code signal}
     * (SIGSTOP...): the thread reports it, and stops for job control once it is delivered.
     */
    ScriptedInferior jobStopAfter(long instructions, int signal) {
        jobStopAfter.put(instructions, signal);
        return this;
    }

    /** The program is already in a job-control stop when the run starts (as found by an attach). */
    ScriptedInferior startJobStopped(int signal) {
        jobSignal = signal;
        jobStopped = true;
        stops.add(new Stop.GroupStopped(TID, signal));
        return this;
    }

    /** The instruction at {@code at} is a system call returning {@code result}. */
    ScriptedInferior syscallAt(long at, long number, long result) {
        syscalls.put(at, new Syscall(number, java.util.List.of(1L, 2L, 3L, 4L, 5L, 6L), result));
        return this;
    }

    /** The instruction at {@code at} is a fork: its step reports the child first, then the call's return. */
    ScriptedInferior forkAt(long at, int child) {
        forks.put(at, child);
        return syscallAt(at, 57, child);
    }

    long rseqCsNow() {
        return readLong(RSEQ_AREA + RSEQ_CS_OFFSET);
    }

    private void setCpu(int cpu) {
        this.cpu = cpu;
        writeLong(RSEQ_AREA, (long) cpu << 32 | cpu);
    }

    /**
     * The kernel's rule at a return to user space (after a stop) or a migration (during a run):
     * a thread inside the section whose rseq_cs names it goes to the abort handler.
     */
    private void returnToUser() {
        if (movingTo >= 0) {
            setCpu(movingTo);
            movingTo = -1;
        }
        abortIfProtected();
    }

    private void abortIfProtected() {
        if (pc >= CS_START && pc < CS_POST_COMMIT && rseqCsNow() == DESCRIPTOR) {
            kernelAborts++;
            writeLong(RSEQ_AREA + RSEQ_CS_OFFSET, 0);
            pc = CS_ABORT;
        }
    }

    private void executeOne() {
        if (pc == ENTRY_STORE) {
            writeLong(RSEQ_AREA + RSEQ_CS_OFFSET, DESCRIPTOR);
        }
        Long once = jumpsOnce.remove(pc);
        pc = once != null ? once : jumps.getOrDefault(pc, pc + 1);
        executed++;
        Integer lost = maskLostAfter.get(executed);
        if (lost != null) {
            boundCpu = -1;
            movingTo = lost;
        }
        Integer moved = migrateAfter.get(executed);
        if (moved != null) {
            setCpu(moved);
            abortIfProtected();
        }
    }

    @Override
    public Stop next() {
        Stop stop = stops.poll();
        if (stop == null) {
            throw new AssertionError("the stepper waits for a stop while the scripted thread is not running");
        }
        return stop;
    }

    @Override
    public void step(int tid, int signal) {
        ensureMayRun();
        if (signal >= SIGSTOP && signal <= SIGSTOP + 3) { // SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU
            stopForJobControl(signal); // stopped at delivery, before any instruction
            return;
        }
        returnToUser();
        Integer child = forks.remove(pc);
        if (child != null) {
            stops.add(new Stop.Forked(TID, child, false)); // mid-call: the step goes on after it
            return;
        }
        Integer job = jobStopAfter.remove(executed);
        if (job != null) {
            stops.add(new Stop.Signalled(TID, job)); // its delivery stop; delivered, it stops the thread
            return;
        }
        long at = pc;
        executeOne();
        Syscall call = syscalls.get(at);
        stops.add(pc == EXIT_PC ? new Stop.Exited(TID, 0, 0)
                : call != null ? new Stop.SyscallStepped(TID, pc, call) : new Stop.Trapped(TID, pc, -1));
    }

    static final int SIGSTOP = 19;

    private void stopForJobControl(int signal) {
        jobSignal = signal;
        jobStopped = true;
        stops.add(new Stop.GroupStopped(TID, signal));
    }

    private void ensureMayRun() {
        if (jobStopped) {
            throw new AssertionError("the stepper resumed a thread in a job-control stop");
        }
    }

    @Override
    public void listen(int tid) {
        if (!jobStopped) {
            throw new AssertionError("listen on a thread in no job-control stop");
        }
        listens++;
        listening = true;
        if (sigcontWhileListening) {
            listening = false;
            jobStopped = false;
            stops.add(new Stop.Continued(TID));
        }
    }

    @Override
    public boolean stopPending(int tid) {
        return stops.peek() instanceof Stop.GroupStopped;
    }

    @Override
    public void resume(int tid, int signal) {
        ensureMayRun();
        returnToUser();
        while (!breakpoints.contains(pc) && pc != EXIT_PC) {
            executeOne();
        }
        stops.add(pc == EXIT_PC ? new Stop.Exited(TID, 0, 0) : new Stop.Trapped(TID, pc, pc));
    }

    @Override
    public void interrupt(int tid) {
        if (listening) {
            listening = false;
            stops.add(new Stop.GroupStopped(tid, jobSignal)); // still stopped: the kernel says so again
            return;
        }
        stops.add(new Stop.Interrupted(tid));
    }

    @Override
    public long pc(int tid) {
        return pc;
    }

    @Override
    public void setPc(int tid, long pc) {
        this.pc = pc;
    }

    @Override
    public boolean mayHaveStored(int tid) {
        return true;
    }

    @Override
    public long readLong(long address) {
        long value = 0;
        for (int i = 7; i >= 0; i--) {
            value = value << 8 | (memory.getOrDefault(address + i, (byte) 0) & 0xff);
        }
        return value;
    }

    @Override
    public void writeLong(long address, long value) {
        for (int i = 0; i < 8; i++) {
            memory.put(address + i, (byte) (value >>> (8 * i)));
        }
    }

    @Override
    public void write(long address, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            memory.put(address + i, bytes[i]);
        }
    }

    /** Scripted programs make no system calls that replay could answer. */
    @Override
    public io.rseqdbg.ptrace.Syscall answerSyscall(int tid, long number, long result) {
        return null;
    }

    @Override
    public byte[] read(long address, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = memory.getOrDefault(address + i, (byte) 0);
        }
        return bytes;
    }

    @Override
    public long rseqArea(int tid) {
        return RSEQ_AREA;
    }

    @Override
    public boolean bindToCpu(int tid, int cpu) {
        if (!bindingAllowed) {
            return false;
        }
        boundTo.add(cpu);
        boundCpu = cpu;
        return true;
    }

    @Override
    public void restoreAffinity(int tid) {
        restores++;
        boundCpu = -1;
    }

    @Override
    public boolean isBoundTo(int tid, int cpu) {
        return boundCpu == cpu;
    }

    @Override
    public void insertBreakpoint(long address) {
        if (address >= CS_START && address < CS_POST_COMMIT) {
            throw new AssertionError("a breakpoint inside the section at 0x" + Long.toHexString(address));
        }
        breakpoints.add(address);
    }

    @Override
    public void removeBreakpoint(long address) {
        breakpoints.remove(address);
    }

    @Override
    public int pid() {
        return (int) ProcessHandle.current().pid();
    }

    @Override
    public boolean threadGone(int tid) {
        return false;
    }

    @Override
    public void wakeUp() {
    }

    @Override
    public void detach(Map<Integer, Integer> signals) {
        detached = true;
        jobStoppedAtDetach = jobStopped;
    }
}
