package io.rseqdbg.stepper.replay;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The trace file's layout (README, "Trace format"), in one place: the magic, the block frame, the
 * record tags and the variable-length integers both the writer and the reader use.
 *
 * <pre>
 * file   = MAGIC block+            MAGIC = the 8 ASCII bytes "RSEQTRC\n"
 * block  = u32le length, payload[length], u32le crc32(payload)   (1 <= length <= MAX_BLOCK)
 * payload = record+                a record never spans two blocks
 * record = u8 tag, fields          the first record is the header, the last one END
 * </pre>
 */
public final class TraceFormat {

    public static final byte[] MAGIC = "RSEQTRC\n".getBytes(StandardCharsets.US_ASCII);
    /**
     * The version written; 2 added the environment and the chaos seed to the header, 3 the
     * system call records.
     */
    public static final int VERSION = 3;
    /** The oldest version read (its header has no environment: replay uses its own). */
    public static final int OLDEST_READ = 1;
    /** A block is written when its payload passes this; it bounds the writer's memory. */
    static final int FLUSH_AT = 60 * 1024;
    /** Larger lengths mean a damaged file, not a big block: the reader never allocates more. */
    static final int MAX_BLOCK = 1 << 20;

    static final int END = 0;
    static final int HEADER = 1;
    static final int MODULE = 2;
    static final int THREAD_START = 3;
    static final int THREAD_EXIT = 4;
    static final int ENTER = 5;
    static final int LEAVE = 6;
    static final int SIGNAL = 7;
    static final int SLICE = 8;
    static final int EXIT = 9;
    static final int SYSCALL = 10;
    /** Bytes a call may have stored for replay to answer it (getrandom may ask for more: not answered). */
    public static final int MAX_OUTPUT = 256 * 1024;

    private TraceFormat() {
    }

    /** Unsigned LEB128: 7 bits a byte, low first; most counts fit one or two bytes. */
    static void putVarint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7fL) != 0) {
            out.write((int) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    /** Zigzag: small negative numbers (the -1 of "none") stay one byte. */
    static void putSigned(ByteArrayOutputStream out, long value) {
        putVarint(out, (value << 1) ^ (value >> 63));
    }

    static void putString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        putVarint(out, b.length);
        out.write(b, 0, b.length);
    }

    static long getVarint(ByteBuffer in) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (!in.hasRemaining()) {
                throw new TraceException("damaged: a record runs past the end of its block");
            }
            int b = in.get() & 0xff;
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new TraceException("damaged: a number longer than 64 bits");
    }

    static long getSigned(ByteBuffer in) {
        long v = getVarint(in);
        return (v >>> 1) ^ -(v & 1);
    }

    static int getInt(ByteBuffer in) {
        long v = getSigned(in);
        if (v != (int) v) {
            throw new TraceException("damaged: a number out of range");
        }
        return (int) v;
    }

    static String getString(ByteBuffer in) {
        long n = getVarint(in);
        if (n < 0 || n > in.remaining()) {
            throw new TraceException("damaged: a string runs past the end of its block");
        }
        byte[] b = new byte[(int) n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
