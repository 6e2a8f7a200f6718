package io.rseqdbg.elf.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Bounded, byte-order-aware reads from a file's bytes. Every read checks its range against the
 * file's length first, so no offset or size taken from the file can reach past its end.
 */
public final class FileBytes {

    private final ByteBuffer buffer;

    public FileBytes(ByteBuffer buffer, ByteOrder order) {
        this.buffer = buffer.duplicate().order(order);
    }

    public long size() {
        return buffer.capacity();
    }

    public ByteOrder order() {
        return buffer.order();
    }

    /** True when {@code [offset, offset + length)} lies inside the file (no overflow). */
    public boolean contains(long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= size() && length <= size() - offset;
    }

    public void check(long offset, long length, String what) {
        if (!contains(offset, length)) {
            throw new Malformed(what + " at file offset " + Hex.of(offset) + " (+" + Long.toUnsignedString(length)
                    + " bytes) lies outside the file (" + size() + " bytes)");
        }
    }

    public int u8(long offset) {
        check(offset, 1, "byte");
        return buffer.get((int) offset) & 0xff;
    }

    public int u16(long offset) {
        check(offset, 2, "16-bit field");
        return buffer.getShort((int) offset) & 0xffff;
    }

    public long u32(long offset) {
        check(offset, 4, "32-bit field");
        return buffer.getInt((int) offset) & 0xffffffffL;
    }

    public long u64(long offset) {
        check(offset, 8, "64-bit field");
        return buffer.getLong((int) offset);
    }

    /** An address-sized field: 8 bytes in ELF64, 4 in ELF32. */
    public long word(long offset, boolean is64) {
        return is64 ? u64(offset) : u32(offset);
    }

    public byte[] bytes(long offset, int length) {
        check(offset, length, "data");
        byte[] out = new byte[length];
        buffer.get((int) offset, out);
        return out;
    }

    /** The NUL-terminated string at {@code offset}, at most {@code limit} bytes; null if unterminated. */
    public String cString(long offset, long limit) {
        long end = Math.min(size(), offset + Math.max(0, limit));
        if (offset < 0 || offset >= end) {
            return null;
        }
        for (long i = offset; i < end; i++) {
            if (buffer.get((int) i) == 0) {
                byte[] text = new byte[(int) (i - offset)];
                buffer.get((int) offset, text);
                return new String(text, java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    ByteBuffer buffer() {
        return buffer;
    }
}
