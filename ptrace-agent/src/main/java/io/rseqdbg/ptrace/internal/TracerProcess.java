package io.rseqdbg.ptrace.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * rseqdbg-tracer (ptrace-agent/src/main/c/tracer.c), the process that makes every ptrace and
 * waitpid call for an attached program, so that the program outlives a JVM killed outright: the
 * kernel's own detach at a tracer's death leaves a stepped thread to die of SIGTRAP, the tracer
 * process lets it go properly instead. One request at a time from the tracer thread; any thread
 * may {@link #cancelWait()} or record what to undo.
 */
public final class TracerProcess implements AutoCloseable {
    private static final int OP_PTRACE = 1;
    private static final int OP_PTRACE_OUT = 2;
    private static final int OP_GETREGS = 3;
    private static final int OP_SETREGS = 4;
    private static final int OP_WAIT = 5;
    private static final int OP_CANCEL = 6;
    private static final int OP_UNDO_BYTES = 7;
    private static final int OP_FORGET_BYTES = 8;
    private static final int OP_UNDO_MASK = 9;
    private static final int OP_FORGET_MASK = 10;
    private static final int OP_PIN = 11;
    private static final int OP_GOODBYE = 12;

    private static final int REQUEST_BYTES = 32;
    private static final int ANSWER_BYTES = 24;
    private static final int MAX_PAYLOAD = 4096;

    private final Process process;
    private final OutputStream requests;
    private final InputStream answers;
    private final ByteBuffer out = ByteBuffer.allocate(REQUEST_BYTES + MAX_PAYLOAD).order(ByteOrder.nativeOrder());
    private final byte[] header = new byte[ANSWER_BYTES];
    private final ByteBuffer in = ByteBuffer.wrap(header).order(ByteOrder.nativeOrder());
    private byte[] payload = new byte[0];
    /** Resumes sent whose answers are still to be read, oldest first. */
    private final java.util.ArrayDeque<Integer> unanswered = new java.util.ArrayDeque<>();
    private int status;
    /** The siginfo that came with the last signal stop a wait reported, until that thread is asked anything. */
    private int siginfoTid;
    private byte[] siginfo;

    private TracerProcess(Process process) {
        this.process = process;
        this.requests = process.getOutputStream();
        this.answers = process.getInputStream();
    }

    /** Starts {@code binary}; its stderr is rseqdbg's. */
    public static TracerProcess start(Path binary) throws IOException {
        Process p = new ProcessBuilder(binary.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new TracerProcess(p);
    }

    /** Its pid: what /proc/PID/status shows as TracerPid of the program's threads. */
    public int pid() {
        return (int) process.pid();
    }

    /**
     * ptrace with a scalar {@code data}. A resume (PTRACE_CONT, PTRACE_SINGLESTEP, PTRACE_LISTEN)
     * does not wait for its answer: the wait that follows it is sent at once, which saves a round
     * trip per step. Its answer is read before the next one; ESRCH there (a thread SIGKILLed
     * while stopped, whose death is on the way) is what every caller ignores, any other error
     * is thrown from that next call.
     */
    public long ptrace(int request, int tid, long addr, long data) {
        forgetSiginfo(tid);
        send(OP_PTRACE, tid, request, addr, data, null, 0);
        if (request == Syscalls.PTRACE_CONT || request == Syscalls.PTRACE_SINGLESTEP
                || request == Syscalls.PTRACE_LISTEN) {
            unanswered.add(request);
            return 0;
        }
        return receive(Syscalls.requestName(request));
    }

    /** ptrace whose {@code data} is a buffer of {@code len} bytes the kernel fills; {@link #payload()} holds them. */
    public long ptraceOut(int request, int tid, long addr, int len) {
        if (request == Syscalls.PTRACE_GETSIGINFO && tid == siginfoTid && siginfo != null) {
            payload = siginfo;
            return 0;
        }
        send(OP_PTRACE_OUT, tid, request, addr, len, null, 0);
        return receive(Syscalls.requestName(request));
    }

    /** PTRACE_GETREGSET NT_PRSTATUS; {@link #payload()} holds the registers, as many bytes as the kernel gave. */
    public void getRegisters(int tid) {
        send(OP_GETREGS, tid, 0, 0, 0, null, 0);
        receive("PTRACE_GETREGSET");
    }

    public void setRegisters(int tid, byte[] regs, int len) {
        forgetSiginfo(tid);
        send(OP_SETREGS, tid, 0, 0, 0, regs, len);
        receive("PTRACE_SETREGSET");
    }

    /** waitpid; the status through {@link #status()}. A {@link #cancelWait()} ends it with EINTR. */
    public int waitpid(int pid, int options) {
        send(OP_WAIT, pid, options, 0, 0, null, 0);
        int tid = (int) receive("waitpid");
        siginfoTid = tid;
        siginfo = payload.length > 0 ? payload : null;
        return tid;
    }

    private void forgetSiginfo(int tid) {
        if (tid == siginfoTid) {
            siginfo = null;
        }
    }

    /** Ends the WAIT in progress, if any, with EINTR. Any thread. */
    public void cancelWait() {
        send(OP_CANCEL, 0, 0, 0, 0, null, 0);
    }

    /** Process {@code pid}'s bytes at {@code address} were {@code original} and are now {@code now}. */
    public void undoBytes(int pid, long address, byte[] original, byte[] now) {
        byte[] both = new byte[original.length + now.length];
        System.arraycopy(original, 0, both, 0, original.length);
        System.arraycopy(now, 0, both, original.length, now.length);
        send(OP_UNDO_BYTES, pid, 0, address, 0, both, both.length);
    }

    public void forgetBytes(int pid, long address) {
        send(OP_FORGET_BYTES, pid, 0, address, 0, null, 0);
    }

    /** Thread {@code tid}'s own CPU mask, to give back if the JVM dies before it does. */
    public void undoMask(int tid, byte[] mask) {
        send(OP_UNDO_MASK, tid, 0, 0, 0, mask, mask.length);
    }

    public void forgetMask(int tid) {
        send(OP_FORGET_MASK, tid, 0, 0, 0, null, 0);
    }

    /** Runs the tracer process on {@code cpu} only; -1: on the CPUs it started with. */
    public void pin(int cpu) {
        send(OP_PIN, 0, cpu, 0, 0, null, 0);
        receive("sched_setaffinity");
    }

    public int status() {
        return status;
    }

    public byte[] payload() {
        return payload;
    }

    /**
     * Ends the tracer process: after {@code letGoDone} (every tracee was detached and restored
     * here) it forgets what it would have undone; else it lets go of what is still traced itself.
     * Waits for it to exit.
     */
    public void close(boolean letGoDone) {
        try {
            if (letGoDone) {
                send(OP_GOODBYE, 0, 0, 0, 0, null, 0);
            }
            requests.close();
        } catch (NativeError | IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(false);
    }

    private void send(int op, int tid, int request, long addr, long data, byte[] bytes, int len) {
        int sent = bytes == null ? 0 : len;
        synchronized (out) {
            out.clear();
            out.putInt(op).putInt(tid).putInt(request).putInt(sent)
                    .putLong(addr).putLong(data);
            if (sent > 0) {
                out.put(bytes, 0, sent);
            }
            try {
                requests.write(out.array(), 0, out.position());
                requests.flush();
            } catch (IOException e) {
                throw new NativeError("rseqdbg-tracer", NativeError.ESRCH);
            }
        }
    }

    private long receive(String call) {
        NativeError resumeFailed = null;
        while (!unanswered.isEmpty()) {
            int request = unanswered.remove();
            try {
                answer(Syscalls.requestName(request));
            } catch (NativeError e) {
                if (e.errno() != NativeError.ESRCH && resumeFailed == null) {
                    resumeFailed = e;
                }
            }
        }
        long ret = answer(call);
        if (resumeFailed != null) {
            throw resumeFailed;
        }
        return ret;
    }

    private long answer(String call) {
        try {
            readFully(header, ANSWER_BYTES);
            long ret = in.getLong(0);
            int err = in.getInt(8);
            status = in.getInt(12);
            int len = in.getInt(16);
            payload = new byte[len];
            readFully(payload, len);
            if (ret < 0) {
                throw new NativeError(call, err);
            }
            return ret;
        } catch (IOException e) {
            throw new NativeError(call, NativeError.ESRCH);
        }
    }

    private void readFully(byte[] into, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int n = answers.read(into, done, len - done);
            if (n < 0) {
                throw new IOException("rseqdbg-tracer ended");
            }
            done += n;
        }
    }
}
