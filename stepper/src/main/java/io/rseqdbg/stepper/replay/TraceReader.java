package io.rseqdbg.stepper.replay;

import static io.rseqdbg.stepper.replay.TraceFormat.getInt;
import static io.rseqdbg.stepper.replay.TraceFormat.getSigned;
import static io.rseqdbg.stepper.replay.TraceFormat.getString;
import static io.rseqdbg.stepper.replay.TraceFormat.getVarint;

import io.rseqdbg.stepper.Outcome;
import io.rseqdbg.stepper.SyscallAnswer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Reads a trace one block at a time ({@link TraceFormat}), checking each block's CRC32: every
 * problem is a {@link TraceException} with one line saying what is wrong, never a stray
 * exception. {@link #next()} returns null after the END record.
 */
public final class TraceReader implements AutoCloseable {

    private static final Outcome[] OUTCOMES = Outcome.values();

    private final InputStream in;
    private final String name;
    private final TraceRecord.Header header;
    private final Map<Integer, Long> lastCount = new HashMap<>();
    private ByteBuffer block = ByteBuffer.allocate(0);
    private int blockNumber;
    private boolean ended;

    public TraceReader(Path file) throws IOException {
        this(new BufferedInputStream(Files.newInputStream(file), 1 << 16), file.toString());
    }

    public TraceReader(InputStream in, String name) {
        this.in = in;
        this.name = name;
        byte[] magic = readFully(TraceFormat.MAGIC.length, true);
        if (magic == null) {
            throw new TraceException(name + ": empty file, not an rseqdbg trace");
        }
        if (!Arrays.equals(magic, TraceFormat.MAGIC)) {
            throw new TraceException(name + ": not an rseqdbg trace (no RSEQTRC magic)");
        }
        TraceRecord first = next();
        if (!(first instanceof TraceRecord.Header h)) {
            throw new TraceException(name + ": damaged: the first record is not the header");
        }
        header = h;
    }

    public TraceRecord.Header header() {
        return header;
    }

    /** The next record after the header, or null at the end of the trace. */
    public TraceRecord next() {
        if (ended) {
            return null;
        }
        if (!block.hasRemaining()) {
            nextBlock();
        }
        try {
            return record(block.get() & 0xff);
        } catch (TraceException e) {
            throw new TraceException(name + ": block " + blockNumber + ": " + e.getMessage());
        }
    }

    private TraceRecord record(int tag) {
        switch (tag) {
            case TraceFormat.END -> {
                ended = true;
                return null;
            }
            case TraceFormat.HEADER -> {
                int version = (int) getVarint(block);
                if (version < TraceFormat.OLDEST_READ || version > TraceFormat.VERSION) {
                    throw new TraceException("format version " + version + ", this rseqdbg reads versions "
                            + TraceFormat.OLDEST_READ + " to " + TraceFormat.VERSION);
                }
                String rseqdbg = getString(block);
                List<String> command = strings("a command line");
                String cwd = getString(block);
                String kernel = getString(block);
                int cpus = (int) getVarint(block);
                int cpu = getInt(block);
                String policy = getString(block);
                long slice = getVarint(block);
                long timeout = getVarint(block);
                if (version < 2) {
                    return new TraceRecord.Header(version, rseqdbg, command, cwd, kernel, cpus, cpu, policy, slice,
                            timeout);
                }
                List<String> environment = strings("an environment");
                boolean chaos = getVarint(block) != 0;
                return new TraceRecord.Header(version, rseqdbg, command, cwd, kernel, cpus, cpu, policy, slice,
                        timeout, environment, chaos, getSigned(block));
            }
            case TraceFormat.MODULE -> {
                return new TraceRecord.Module((int) getVarint(block), getString(block), getString(block),
                        getString(block));
            }
            case TraceFormat.THREAD_START -> {
                int t = thread();
                return new TraceRecord.ThreadStart(t, count(t), getInt(block));
            }
            case TraceFormat.THREAD_EXIT -> {
                int t = thread();
                return new TraceRecord.ThreadExit(t, count(t));
            }
            case TraceFormat.ENTER -> {
                int t = thread();
                return new TraceRecord.Enter(t, count(t), (int) getVarint(block), getVarint(block), getInt(block));
            }
            case TraceFormat.LEAVE -> {
                int t = thread();
                long count = count(t);
                long outcome = getVarint(block);
                if (outcome < 0 || outcome >= OUTCOMES.length) {
                    throw new TraceException("damaged: unknown outcome " + outcome);
                }
                int module = (int) getVarint(block);
                long offset = getVarint(block);
                return new TraceRecord.Leave(t, count, OUTCOMES[(int) outcome], module, offset,
                        offset + getSigned(block));
            }
            case TraceFormat.SIGNAL -> {
                int t = thread();
                return new TraceRecord.Signal(t, count(t), (int) getVarint(block));
            }
            case TraceFormat.SYSCALL -> {
                int t = thread();
                long count = count(t);
                long number = getVarint(block);
                List<Long> args = new ArrayList<>();
                for (long i = 0, n = bounded(getVarint(block), 6, "arguments"); i < n; i++) {
                    args.add(getSigned(block));
                }
                long result = getSigned(block);
                List<SyscallAnswer.Output> outputs = new ArrayList<>();
                for (long i = 0, n = bounded(getVarint(block), 6, "outputs"); i < n; i++) {
                    int arg = (int) bounded(getVarint(block), 5, "an argument index");
                    byte[] bytes = new byte[(int) bounded(getVarint(block), block.remaining(), "an output")];
                    block.get(bytes);
                    outputs.add(new SyscallAnswer.Output(arg, bytes));
                }
                return new TraceRecord.Syscall(t, count, number, args, result, outputs);
            }
            case TraceFormat.SLICE -> {
                int t = thread();
                long instructions = getVarint(block);
                long flags = getVarint(block);
                return new TraceRecord.Slice(t, instructions, (flags & 1) != 0, (flags & 2) != 0, getInt(block));
            }
            case TraceFormat.EXIT -> {
                return new TraceRecord.Exit(getInt(block), getInt(block));
            }
            default -> throw new TraceException("damaged: unknown record tag " + tag);
        }
    }

    /** {@code value}, which a sound file keeps within {@code max}. */
    private static long bounded(long value, long max, String what) {
        if (value < 0 || value > max) {
            throw new TraceException("damaged: " + what + " out of range (" + value + ")");
        }
        return value;
    }

    /** A varint count, then that many strings. */
    private List<String> strings(String what) {
        long n = getVarint(block);
        if (n < 0 || n > block.remaining()) {
            throw new TraceException("damaged: " + what + " runs past the end of its block");
        }
        List<String> list = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            list.add(getString(block));
        }
        return list;
    }

    private int thread() {
        long t = getVarint(block);
        if (t < 0 || t > Integer.MAX_VALUE) {
            throw new TraceException("damaged: thread id out of range");
        }
        return (int) t;
    }

    private long count(int thread) {
        long count = lastCount.getOrDefault(thread, 0L) + getSigned(block);
        lastCount.put(thread, count);
        return count;
    }

    private void nextBlock() {
        byte[] length = readFully(4, true);
        if (length == null) {
            throw new TraceException(name + ": truncated: the trace ends after block " + blockNumber
                    + " without its end record");
        }
        int n = ByteBuffer.wrap(length).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
        if (n <= 0 || n > TraceFormat.MAX_BLOCK) {
            throw new TraceException(name + ": damaged: block " + (blockNumber + 1) + " claims " + n + " bytes");
        }
        byte[] payload = readFully(n, false);
        byte[] crc = readFully(4, false);
        CRC32 check = new CRC32();
        check.update(payload);
        if ((int) check.getValue() != ByteBuffer.wrap(crc).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt()) {
            throw new TraceException(name + ": damaged: block " + (blockNumber + 1) + " fails its CRC32 check");
        }
        blockNumber++;
        block = ByteBuffer.wrap(payload);
    }

    /** {@code n} bytes; null at a clean end of file when {@code endOk}, else truncated. */
    private byte[] readFully(int n, boolean endOk) {
        try {
            byte[] b = in.readNBytes(n);
            if (b.length == 0 && endOk) {
                return null;
            }
            if (b.length < n) {
                throw new TraceException(name + ": truncated: the trace ends inside block " + (blockNumber + 1));
            }
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
    }
}
