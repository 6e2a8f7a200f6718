package io.rseqdbg.stepper.replay;

import static io.rseqdbg.stepper.replay.TraceFormat.putSigned;
import static io.rseqdbg.stepper.replay.TraceFormat.putString;
import static io.rseqdbg.stepper.replay.TraceFormat.putVarint;

import io.rseqdbg.stepper.SyscallAnswer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Writes {@link TraceRecord}s as a stream of checksummed blocks ({@link TraceFormat}), holding at
 * most one block in memory. Instruction counts are written as the difference from the same
 * thread's previous count, which is small.
 */
public final class TraceOutput implements AutoCloseable {

    /** Writing the trace failed (a full disk, an I/O error): the cause says why. */
    public static final class WriteFailure extends UncheckedIOException {
        WriteFailure(IOException cause) {
            super("cannot write the trace: " + cause.getMessage(), cause);
        }
    }

    private final OutputStream out;
    private final ByteArrayOutputStream block = new ByteArrayOutputStream(TraceFormat.FLUSH_AT + 1024);
    private final Map<Integer, Long> lastCount = new HashMap<>();
    private long bytes;
    private boolean closed;

    public TraceOutput(OutputStream out) {
        this.out = out;
        write(TraceFormat.MAGIC);
    }

    public void write(TraceRecord record) {
        if (record instanceof TraceRecord.Header h) {
            block.write(TraceFormat.HEADER);
            putVarint(block, h.formatVersion());
            putString(block, h.rseqdbgVersion());
            putVarint(block, h.command().size());
            h.command().forEach(w -> putString(block, w));
            putString(block, h.workingDirectory());
            putString(block, h.kernelRelease());
            putVarint(block, h.cpuCount());
            putSigned(block, h.cpu());
            putString(block, h.policy());
            putVarint(block, h.sliceLength());
            putVarint(block, h.blockTimeoutMillis());
            if (h.formatVersion() >= 2) {
                putVarint(block, h.environment().size());
                h.environment().forEach(w -> putString(block, w));
                putVarint(block, h.chaos() ? 1 : 0);
                putSigned(block, h.chaosSeed());
            }
            flush(); // the header alone in the first block: readable even if the run dies at once
            return;
        }
        if (record instanceof TraceRecord.Module m) {
            block.write(TraceFormat.MODULE);
            putVarint(block, m.index());
            putString(block, m.path());
            putString(block, m.sha256());
            putString(block, m.tablesDigest());
        } else if (record instanceof TraceRecord.ThreadStart t) {
            block.write(TraceFormat.THREAD_START);
            thread(t.thread(), t.count());
            putSigned(block, t.parent());
        } else if (record instanceof TraceRecord.ThreadExit t) {
            block.write(TraceFormat.THREAD_EXIT);
            thread(t.thread(), t.count());
        } else if (record instanceof TraceRecord.Enter e) {
            block.write(TraceFormat.ENTER);
            thread(e.thread(), e.count());
            putVarint(block, e.module());
            putVarint(block, e.offset());
            putSigned(block, e.cpu());
        } else if (record instanceof TraceRecord.Leave l) {
            block.write(TraceFormat.LEAVE);
            thread(l.thread(), l.count());
            putVarint(block, l.outcome().ordinal());
            putVarint(block, l.module());
            putVarint(block, l.offset());
            putSigned(block, l.pcOffset() - l.offset()); // the way out is near the start
        } else if (record instanceof TraceRecord.Signal s) {
            block.write(TraceFormat.SIGNAL);
            thread(s.thread(), s.count());
            putVarint(block, s.signal());
        } else if (record instanceof TraceRecord.Syscall c) {
            block.write(TraceFormat.SYSCALL);
            thread(c.thread(), c.count());
            putVarint(block, c.number());
            putVarint(block, c.args().size());
            c.args().forEach(a -> putSigned(block, a));
            putSigned(block, c.result());
            putVarint(block, c.outputs().size());
            for (SyscallAnswer.Output o : c.outputs()) {
                byte[] b = o.bytes();
                putVarint(block, o.arg());
                putVarint(block, b.length);
                block.write(b, 0, b.length);
            }
        } else if (record instanceof TraceRecord.Slice s) {
            block.write(TraceFormat.SLICE);
            putVarint(block, s.thread());
            putVarint(block, s.instructions());
            putVarint(block, (s.blocked() ? 1 : 0) | (s.exited() ? 2 : 0));
            putSigned(block, s.next());
        } else if (record instanceof TraceRecord.Exit e) {
            block.write(TraceFormat.EXIT);
            putSigned(block, e.status());
            putSigned(block, e.signal());
        }
        if (block.size() >= TraceFormat.FLUSH_AT) {
            flush();
        }
    }

    private void thread(int thread, long count) {
        putVarint(block, thread);
        long last = lastCount.getOrDefault(thread, 0L);
        putSigned(block, count - last);
        lastCount.put(thread, count);
    }

    /** Bytes written so far (blocks already on their way to the file). */
    public long bytes() {
        return bytes;
    }

    private void flush() {
        if (block.size() == 0) {
            return;
        }
        byte[] payload = block.toByteArray();
        block.reset();
        CRC32 crc = new CRC32();
        crc.update(payload);
        write(le32(payload.length));
        write(payload);
        write(le32((int) crc.getValue()));
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    private void write(byte[] b) {
        try {
            out.write(b);
            bytes += b.length;
        } catch (IOException e) {
            throw new WriteFailure(e);
        }
    }

    /** Writes END and the last block: a trace without END was cut short. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        block.write(TraceFormat.END);
        flush();
        try {
            out.close();
        } catch (IOException e) {
            throw new WriteFailure(e);
        }
    }
}
