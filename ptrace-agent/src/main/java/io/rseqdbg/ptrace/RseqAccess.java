package io.rseqdbg.ptrace;

import io.rseqdbg.ptrace.internal.NativeError;
import io.rseqdbg.ptrace.internal.Syscalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A thread's rseq registration (PTRACE_GET_RSEQ_CONFIGURATION) and its live struct rseq: read,
 * and the rseq_cs field written. Tracer thread only.
 */
final class RseqAccess {
    private final Syscalls sys;
    private final Tracees tracees;
    private final ProcessMemory memory;

    RseqAccess(Syscalls sys, Tracees tracees, ProcessMemory memory) {
        this.sys = sys;
        this.tracees = tracees;
        this.memory = memory;
    }

    RseqConfiguration rseqConfiguration(int tid) {
        ThreadState t = tracees.stoppedThread(tid, "rseq configuration");
        if (t.atExec) {
            return new RseqConfiguration(0, 0, 0, 0); // the new image has registered nothing yet
        }
        try {
            long[] c = sys.rseqConfiguration(tid);
            return new RseqConfiguration(c[0], (int) c[1], (int) c[2], (int) c[3]);
        } catch (NativeError e) {
            throw tracees.fail(e, tid);
        }
    }

    RseqArea readRseq(int tid) {
        RseqConfiguration c = rseqConfiguration(tid);
        if (!c.registered()) {
            throw new TraceException("read rseq", tid, 0, "read rseq: thread " + tid + " has no rseq area");
        }
        ByteBuffer b = ByteBuffer.wrap(memory.read(tid, c.address(), 20)).order(ByteOrder.LITTLE_ENDIAN);
        return new RseqArea(b.getInt(0), b.getInt(4), b.getLong(8), b.getInt(16));
    }

    void writeRseqCs(int tid, long value) {
        RseqConfiguration c = rseqConfiguration(tid);
        if (!c.registered()) {
            throw new TraceException("write rseq_cs", tid, 0, "write rseq_cs: thread " + tid + " has no rseq area");
        }
        writeRseqCs(tid, c.address(), value);
    }

    /** {@link #writeRseqCs(int, long)} for a thread whose area the caller knows ({@code area}). */
    void writeRseqCs(int tid, long area, long value) {
        byte[] b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
        long at = area + RseqArea.RSEQ_CS_OFFSET;
        int pid = tracees.known(tid, "write rseq_cs").process.pid;
        if (value == 0) {
            // A section stepped with rseq_cs cleared must get it back even if rseqdbg dies.
            memory.changed(pid, at, memory.read(tid, at, 8), b);
        }
        memory.write(tid, at, b);
        if (value != 0) {
            memory.restored(pid, at);
        }
    }
}
