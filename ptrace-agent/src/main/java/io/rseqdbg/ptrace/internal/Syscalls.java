package io.rseqdbg.ptrace.internal;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The system calls the tracer makes, over buffers it allocates once. One instance belongs to one
 * thread — the tracer thread — because every buffer is reused by every call and because ptrace
 * itself only answers the thread that attached. Failures throw {@link NativeError}. With a
 * {@link TracerProcess}, every ptrace and waitpid call is made by that process instead (the
 * program then outlives the JVM); memory and CPU masks are still reached from here.
 */
public final class Syscalls {
    // ptrace requests (linux/ptrace.h)
    public static final int PTRACE_PEEKDATA = 2;
    public static final int PTRACE_PEEKUSER = 3;
    public static final int PTRACE_POKEDATA = 5;
    public static final int PTRACE_POKEUSER = 6;
    public static final int PTRACE_CONT = 7;
    public static final int PTRACE_SINGLESTEP = 9;
    public static final int PTRACE_DETACH = 17;
    public static final int PTRACE_SETOPTIONS = 0x4200;
    public static final int PTRACE_GETEVENTMSG = 0x4201;
    public static final int PTRACE_GETSIGINFO = 0x4202;
    public static final int PTRACE_GETREGSET = 0x4204;
    public static final int PTRACE_SETREGSET = 0x4205;
    public static final int PTRACE_SEIZE = 0x4206;
    public static final int PTRACE_INTERRUPT = 0x4207;
    public static final int PTRACE_LISTEN = 0x4208;
    public static final int PTRACE_GET_RSEQ_CONFIGURATION = 0x420f;

    public static final int PTRACE_O_TRACEFORK = 0x2;
    public static final int PTRACE_O_TRACEVFORK = 0x4;
    public static final int PTRACE_O_TRACECLONE = 0x8;
    public static final int PTRACE_O_TRACEEXEC = 0x10;
    public static final int PTRACE_O_EXITKILL = 0x100000;

    public static final int PTRACE_EVENT_FORK = 1;
    public static final int PTRACE_EVENT_VFORK = 2;
    public static final int PTRACE_EVENT_CLONE = 3;
    public static final int PTRACE_EVENT_EXEC = 4;
    public static final int PTRACE_EVENT_STOP = 128;

    public static final int WNOHANG = 1;
    public static final int WNOTHREAD = 0x20000000;
    public static final int WALL = 0x40000000;

    /** si_code values of SIGTRAP (asm-generic/siginfo.h). */
    public static final int TRAP_BRKPT = 1;
    public static final int TRAP_TRACE = 2;
    public static final int SI_KERNEL = 0x80;
    /** si_code values of signals a process sent that name it in si_pid (asm-generic/siginfo.h). */
    private static final int SI_USER = 0;
    private static final int SI_QUEUE = -1;
    private static final int SI_MESGQ = -3;
    private static final int SI_TKILL = -6;
    // Signal numbers whose kernel-raised siginfo carries a faulting address, and SIGCHLD.
    private static final int SIGILL = 4;
    private static final int SIGTRAP = 5;
    private static final int SIGBUS = 7;
    private static final int SIGFPE = 8;
    private static final int SIGSEGV = 11;
    private static final int SIGCHLD = 17;

    /** x86-64 user_regs_struct offsets for PEEKUSER/POKEUSER; a 64-bit tracer uses them for i386 tracees too. */
    public static final long USER_RIP = 16 * 8;

    private static final long SYS_PTRACE = 101;
    private static final long SYS_PROCESS_VM_READV = 310;
    private static final long SYS_PROCESS_VM_WRITEV = 311;
    private static final int NT_PRSTATUS = 1;
    private static final int REGS_X86_64 = 27;
    private static final int REGS_I386 = 17;
    private static final int IO_BLOCK = 64 * 1024;

    // One native block, carved into the buffers below.
    private static final int OFF_STATUS = 0;
    private static final int OFF_WORD = 8;
    private static final int OFF_LOCAL_IOV = 16;
    private static final int OFF_REMOTE_IOV = 32;
    private static final int OFF_SIGINFO = 64;
    private static final int OFF_REGS = 192;
    private static final int OFF_RSEQ = 192 + REGS_X86_64 * 8;
    private static final int OFF_CPUSET = OFF_RSEQ + 32;
    private static final int SCRATCH = OFF_CPUSET + 128;

    private final Memory scratch = new Memory(SCRATCH);
    private final long base = Pointer.nativeValue(scratch);
    private final Memory io = new Memory(IO_BLOCK);
    private final long ioBase = Pointer.nativeValue(io);
    private final Thread owner = Thread.currentThread();
    private final int[] words32 = new int[REGS_I386];
    private final byte[] savedAffinity = new byte[128];
    /** Null: this thread is the tracer. */
    private final TracerProcess remote;

    public Syscalls() {
        this(null);
    }

    public Syscalls(TracerProcess remote) {
        this.remote = remote;
        if (LibC.sched_getaffinity(0, 128, base + OFF_CPUSET) == 0) {
            scratch.read(OFF_CPUSET, savedAffinity, 0, 128);
        } else {
            java.util.Arrays.fill(savedAffinity, (byte) 0xff);
        }
    }

    // ---- waiting

    /** waitpid; returns the tid (0 with WNOHANG and nothing to report), status via {@link #status()}. */
    public int waitpid(int pid, int options) {
        if (remote != null) {
            int tid = remote.waitpid(pid, options);
            scratch.setInt(OFF_STATUS, remote.status());
            return tid;
        }
        int tid = LibC.waitpid(pid, base + OFF_STATUS, options);
        if (tid < 0) {
            throw error("waitpid");
        }
        return tid;
    }

    /**
     * Waits for any tracee of the calling thread: __WALL (clone children too) and __WNOTHREAD
     * (only this thread's tracees, never the JVM's own children, such as the launcher); without
     * {@code block}, WNOHANG.
     */
    public int waitAny(boolean block) {
        return waitpid(-1, WALL | WNOTHREAD | (block ? 0 : WNOHANG));
    }

    /** Waits for thread {@code tid} alone (__WALL). */
    public int waitFor(int tid) {
        return waitpid(tid, WALL);
    }

    public int status() {
        return scratch.getInt(OFF_STATUS);
    }

    // ---- ptrace

    public long ptrace(int request, int tid, long addr, long data) {
        if (remote != null) {
            return remote.ptrace(request, tid, addr, data);
        }
        long r = LibC.syscall(SYS_PTRACE, request, tid, addr, data);
        if (r < 0) {
            throw error(requestName(request));
        }
        return r;
    }

    /**
     * PTRACE_SEIZE following every clone, fork, vfork and exec of the thread; with
     * {@code exitKill}, PTRACE_O_EXITKILL too (the tracee is SIGKILLed when the tracer dies).
     */
    public void seize(int tid, boolean exitKill) {
        int options = PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC;
        ptrace(PTRACE_SEIZE, tid, 0, exitKill ? options | PTRACE_O_EXITKILL : options);
    }

    /** PTRACE_CONT delivering {@code signal} (0: none). */
    public void cont(int tid, int signal) {
        ptrace(PTRACE_CONT, tid, 0, signal);
    }

    /** PTRACE_SINGLESTEP delivering {@code signal} (0: none). */
    public void singleStep(int tid, int signal) {
        ptrace(PTRACE_SINGLESTEP, tid, 0, signal);
    }

    /** PTRACE_LISTEN: the thread stays in its group-stop yet reports a SIGCONT. */
    public void listen(int tid) {
        ptrace(PTRACE_LISTEN, tid, 0, 0);
    }

    /** PTRACE_INTERRUPT: the thread reports a PTRACE_EVENT_STOP. */
    public void interrupt(int tid) {
        ptrace(PTRACE_INTERRUPT, tid, 0, 0);
    }

    /** PTRACE_DETACH delivering {@code signal} (0: none). */
    public void detach(int tid, int signal) {
        ptrace(PTRACE_DETACH, tid, 0, signal);
    }

    /** The pc of a stopped thread (PTRACE_PEEKUSER of rip; a 64-bit tracer reads eip there too). */
    public long peekPc(int tid) {
        return peekUser(tid, USER_RIP);
    }

    public void pokePc(int tid, long pc) {
        pokeUser(tid, USER_RIP, pc);
    }

    public long peekUser(int tid, long offset) {
        ptraceInto(PTRACE_PEEKUSER, tid, offset, OFF_WORD, 8);
        return scratch.getLong(OFF_WORD);
    }

    public void pokeUser(int tid, long offset, long value) {
        ptrace(PTRACE_POKEUSER, tid, offset, value);
    }

    public long peekData(int tid, long address) {
        ptraceInto(PTRACE_PEEKDATA, tid, address, OFF_WORD, 8);
        return scratch.getLong(OFF_WORD);
    }

    public void pokeData(int tid, long address, long word) {
        ptrace(PTRACE_POKEDATA, tid, address, word);
    }

    public long eventMessage(int tid) {
        ptraceInto(PTRACE_GETEVENTMSG, tid, 0, OFF_WORD, 8);
        return scratch.getLong(OFF_WORD);
    }

    /** ptrace whose data is a buffer the kernel fills: the scratch block at {@code offset}. */
    private void ptraceInto(int request, int tid, long addr, int offset, int len) {
        if (remote == null) {
            ptrace(request, tid, addr, base + offset);
            return;
        }
        remote.ptraceOut(request, tid, addr, len);
        byte[] got = remote.payload();
        scratch.write(offset, got, 0, Math.min(got.length, len));
    }

    /** Fetches the thread's siginfo and returns its si_code; the rest through the siginfo getters. */
    public int siginfoCode(int tid) {
        ptraceInto(PTRACE_GETSIGINFO, tid, 0, OFF_SIGINFO, OFF_REGS - OFF_SIGINFO);
        return scratch.getInt(OFF_SIGINFO + 8);
    }

    /** Why a thread stopped with SIGTRAP: its siginfo's si_code, named. */
    public TrapCause trapCause(int tid) {
        return TrapCause.of(siginfoCode(tid));
    }

    /** si_code of the siginfo last fetched. */
    public int siginfoCodeFetched() {
        return scratch.getInt(OFF_SIGINFO + 8);
    }

    /** True when a siginfo of {@code signal} with {@code code} names a process in si_pid (the sender, or a SIGCHLD's child). */
    public static boolean siginfoNamesSender(int signal, int code) {
        return code == SI_USER || code == SI_QUEUE || code == SI_MESGQ || code == SI_TKILL
                || (signal == SIGCHLD && code > 0);
    }

    /** True when a siginfo of {@code signal} with {@code code} is a fault's, with its address in si_addr. */
    public static boolean siginfoNamesAddress(int signal, int code) {
        boolean fault = signal == SIGSEGV || signal == SIGBUS || signal == SIGILL || signal == SIGFPE || signal == SIGTRAP;
        return fault && code > 0;
    }

    /** si_addr of the siginfo last fetched: for x86 step traps (TRAP_TRACE, TRAP_BRKPT), the new pc. */
    public long siginfoAddr() {
        return scratch.getLong(OFF_SIGINFO + 16);
    }

    /** si_pid of the siginfo last fetched (meaningful for signals sent by kill/tgkill/sigqueue). */
    public int siginfoPid() {
        return scratch.getInt(OFF_SIGINFO + 16);
    }

    /**
     * PTRACE_GETREGSET NT_PRSTATUS into {@code into}; returns the number of registers: 27 for an
     * x86-64 tracee, 17 for an i386 one (the kernel answers in the tracee's own layout).
     */
    public int getRegisters(int tid, long[] into) {
        long len;
        if (remote != null) {
            remote.getRegisters(tid);
            byte[] got = remote.payload();
            scratch.write(OFF_REGS, got, 0, got.length);
            len = got.length;
        } else {
            scratch.setLong(OFF_LOCAL_IOV, base + OFF_REGS);
            scratch.setLong(OFF_LOCAL_IOV + 8, REGS_X86_64 * 8L);
            ptrace(PTRACE_GETREGSET, tid, NT_PRSTATUS, base + OFF_LOCAL_IOV);
            len = scratch.getLong(OFF_LOCAL_IOV + 8);
        }
        if (len == REGS_I386 * 4L) {
            scratch.read(OFF_REGS, words32, 0, REGS_I386);
            for (int i = 0; i < REGS_I386; i++) {
                into[i] = words32[i] & 0xffffffffL;
            }
            return REGS_I386;
        }
        scratch.read(OFF_REGS, into, 0, REGS_X86_64);
        return REGS_X86_64;
    }

    public void setRegisters(int tid, long[] from, int count) {
        int width = count == REGS_I386 ? 4 : 8;
        if (width == 4) {
            for (int i = 0; i < count; i++) {
                words32[i] = (int) from[i];
            }
            scratch.write(OFF_REGS, words32, 0, count);
        } else {
            scratch.write(OFF_REGS, from, 0, count);
        }
        if (remote != null) {
            remote.setRegisters(tid, scratch.getByteArray(OFF_REGS, count * width), count * width);
            return;
        }
        scratch.setLong(OFF_LOCAL_IOV, base + OFF_REGS);
        scratch.setLong(OFF_LOCAL_IOV + 8, (long) count * width);
        ptrace(PTRACE_SETREGSET, tid, NT_PRSTATUS, base + OFF_LOCAL_IOV);
    }

    /** PTRACE_GET_RSEQ_CONFIGURATION: {area address, area size, signature, flags}. */
    public long[] rseqConfiguration(int tid) {
        scratch.setMemory(OFF_RSEQ, 32, (byte) 0);
        ptraceInto(PTRACE_GET_RSEQ_CONFIGURATION, tid, 24, OFF_RSEQ, 32);
        return new long[] {
            scratch.getLong(OFF_RSEQ),
            scratch.getInt(OFF_RSEQ + 8) & 0xffffffffL,
            scratch.getInt(OFF_RSEQ + 12) & 0xffffffffL,
            scratch.getInt(OFF_RSEQ + 16) & 0xffffffffL,
        };
    }

    // ---- memory

    /**
     * process_vm_readv into {@code dst}; returns the bytes read, fewer than asked when the range
     * runs into an unmapped page. Throws only when not even the first byte is readable.
     */
    public int readMemory(int pid, long address, byte[] dst, int off, int len) {
        int done = 0;
        while (done < len) {
            int chunk = Math.min(len - done, IO_BLOCK);
            long n = transfer(SYS_PROCESS_VM_READV, pid, address + done, chunk);
            if (n < 0) {
                if (done > 0) {
                    break;
                }
                throw error("process_vm_readv");
            }
            io.read(0, dst, off + done, (int) n);
            done += (int) n;
            if (n < chunk) {
                break;
            }
        }
        return done;
    }

    /** process_vm_writev; returns the bytes written (fewer on a read-only or unmapped page). */
    public int writeMemory(int pid, long address, byte[] src, int off, int len) {
        int done = 0;
        while (done < len) {
            int chunk = Math.min(len - done, IO_BLOCK);
            io.write(0, src, off + done, chunk);
            long n = transfer(SYS_PROCESS_VM_WRITEV, pid, address + done, chunk);
            if (n <= 0) {
                break;
            }
            done += (int) n;
            if (n < chunk) {
                break;
            }
        }
        return done;
    }

    private long transfer(long call, int pid, long address, int len) {
        scratch.setLong(OFF_LOCAL_IOV, ioBase);
        scratch.setLong(OFF_LOCAL_IOV + 8, len);
        scratch.setLong(OFF_REMOTE_IOV, address);
        scratch.setLong(OFF_REMOTE_IOV + 8, len);
        return LibC.syscall(call, pid, base + OFF_LOCAL_IOV, 1, base + OFF_REMOTE_IOV, 1, 0);
    }

    // ---- the calling thread's CPU affinity

    /** Restricts the calling (tracer) thread to one CPU; the tracee is never touched. */
    public void pinCallingThread(int cpu) {
        if (remote != null) {
            remote.pin(cpu);
        }
        scratch.setMemory(OFF_CPUSET, 128, (byte) 0);
        int word = cpu / 64;
        scratch.setLong(OFF_CPUSET + word * 8L, 1L << (cpu % 64));
        if (LibC.sched_setaffinity(0, 128, base + OFF_CPUSET) < 0) {
            throw error("sched_setaffinity");
        }
    }

    /** Gives the calling thread back the CPUs it could use when this instance was made. */
    public void unpinCallingThread() {
        if (remote != null) {
            remote.pin(-1);
        }
        scratch.write(OFF_CPUSET, savedAffinity, 0, 128);
        if (LibC.sched_setaffinity(0, 128, base + OFF_CPUSET) < 0) {
            throw error("sched_setaffinity");
        }
    }

    // ---- any thread's CPU affinity (no ptrace needed: the caller owns or may trace the thread)

    /** The CPU mask of thread {@code tid}, as the kernel's 1024-bit {@code cpu_set_t}. */
    public byte[] threadAffinity(int tid) {
        if (LibC.sched_getaffinity(tid, 128, base + OFF_CPUSET) < 0) {
            throw error("sched_getaffinity");
        }
        return scratch.getByteArray(OFF_CPUSET, 128);
    }

    /** Sets thread {@code tid}'s CPU mask; EINVAL when no CPU of it is allowed (a cpuset). */
    public void setThreadAffinity(int tid, byte[] mask) {
        scratch.setMemory(OFF_CPUSET, 128, (byte) 0);
        scratch.write(OFF_CPUSET, mask, 0, Math.min(mask.length, 128));
        if (LibC.sched_setaffinity(tid, 128, base + OFF_CPUSET) < 0) {
            throw error("sched_setaffinity");
        }
    }

    // ---- what a tracer process puts back if the JVM dies first (nothing without one)

    /** Bytes rseqdbg replaced in process {@code pid}: {@code original}, now {@code now}. */
    public void changedBytes(int pid, long address, byte[] original, byte[] now) {
        if (remote != null) {
            remote.undoBytes(pid, address, original, now);
        }
    }

    public void restoredBytes(int pid, long address) {
        if (remote != null) {
            remote.forgetBytes(pid, address);
        }
    }

    /** A thread rseqdbg bound to a CPU: {@code own} is its mask. */
    public void changedMask(int tid, byte[] own) {
        if (remote != null) {
            remote.undoMask(tid, own);
        }
    }

    public void restoredMask(int tid) {
        if (remote != null) {
            remote.forgetMask(tid);
        }
    }

    /** Ends a blocking {@link #waitpid} made by {@code tracerTid} on the tracer thread, with EINTR. Any thread. */
    public void interruptWait(int tracerThreadTid, int wakeSignal) {
        if (remote != null) {
            remote.cancelWait();
        } else {
            tgkill(getpid(), tracerThreadTid, wakeSignal);
        }
    }

    /** Ends the tracer process, if any; see {@link TracerProcess#close(boolean)}. */
    public void closeTracerProcess(boolean letGoDone) {
        if (remote != null) {
            remote.close(letGoDone);
        }
    }

    // ---- process-wide helpers (any thread)

    public static int gettid() {
        return LibC.gettid();
    }

    public static int getpid() {
        return LibC.getpid();
    }

    /** tgkill; false when the thread is gone. */
    public static boolean tgkill(int tgid, int tid, int signal) {
        return LibC.tgkill(tgid, tid, signal) == 0;
    }

    public static boolean kill(int pid, int signal) {
        return LibC.kill(pid, signal) == 0;
    }

    /**
     * Gives {@code signal} a handler that does nothing (glibc's getpid, which ignores its
     * argument) and no SA_RESTART, and unblocks it in the calling thread: a tgkill then makes a
     * blocking waitpid in that thread return EINTR without any other effect.
     */
    public static void installWakeHandler(int signal) {
        long handler = Pointer.nativeValue(NativeLibrary.getInstance("c").getFunction("getpid"));
        try (Memory act = new Memory(152)) {
            act.clear();
            act.setLong(0, handler);
            if (LibC.sigaction(signal, Pointer.nativeValue(act), 0) < 0) {
                throw new NativeError("sigaction", Native.getLastError());
            }
        }
        try (Memory set = new Memory(128)) {
            long p = Pointer.nativeValue(set);
            LibC.sigemptyset(p);
            LibC.sigaddset(p, signal);
            int rc = LibC.pthread_sigmask(1 /* SIG_UNBLOCK */, p, 0);
            if (rc != 0) {
                throw new NativeError("pthread_sigmask", rc);
            }
        }
    }

    public static String strerror(int errno) {
        return LibC.strerror(errno);
    }

    private NativeError error(String call) {
        return new NativeError(call, Native.getLastError());
    }

    public boolean ownedByCurrentThread() {
        return Thread.currentThread() == owner;
    }

    public static String requestName(int request) {
        return switch (request) {
            case PTRACE_PEEKDATA -> "PTRACE_PEEKDATA";
            case PTRACE_PEEKUSER -> "PTRACE_PEEKUSER";
            case PTRACE_POKEDATA -> "PTRACE_POKEDATA";
            case PTRACE_POKEUSER -> "PTRACE_POKEUSER";
            case PTRACE_CONT -> "PTRACE_CONT";
            case PTRACE_SINGLESTEP -> "PTRACE_SINGLESTEP";
            case PTRACE_DETACH -> "PTRACE_DETACH";
            case PTRACE_SETOPTIONS -> "PTRACE_SETOPTIONS";
            case PTRACE_GETEVENTMSG -> "PTRACE_GETEVENTMSG";
            case PTRACE_GETSIGINFO -> "PTRACE_GETSIGINFO";
            case PTRACE_GETREGSET -> "PTRACE_GETREGSET";
            case PTRACE_SETREGSET -> "PTRACE_SETREGSET";
            case PTRACE_SEIZE -> "PTRACE_SEIZE";
            case PTRACE_INTERRUPT -> "PTRACE_INTERRUPT";
            case PTRACE_LISTEN -> "PTRACE_LISTEN";
            case PTRACE_GET_RSEQ_CONFIGURATION -> "PTRACE_GET_RSEQ_CONFIGURATION";
            default -> "ptrace(" + request + ")";
        };
    }
}
