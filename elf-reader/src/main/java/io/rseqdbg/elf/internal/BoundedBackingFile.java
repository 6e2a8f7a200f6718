package io.rseqdbg.elf.internal;

import java.nio.ByteBuffer;
import net.fornwall.jelf.BackingFile;

/**
 * jelf's view of the file. jelf seeks and reads wherever the file's own fields point; here every
 * seek and read is checked against the file's length and fails as {@link Malformed} instead of
 * an arbitrary runtime exception deep inside jelf.
 */
final class BoundedBackingFile implements BackingFile {

    private final ByteBuffer buffer;
    private long position;

    BoundedBackingFile(ByteBuffer buffer) {
        this.buffer = buffer.duplicate();
    }

    @Override
    public void seek(long offset) {
        if (offset < 0 || offset > buffer.capacity()) {
            throw new Malformed("a structure at file offset " + Hex.of(offset) + " lies outside the file ("
                    + buffer.capacity() + " bytes)");
        }
        position = offset;
    }

    @Override
    public void skip(int bytes) {
        seek(position + bytes);
    }

    @Override
    public short readUnsignedByte() {
        if (position >= buffer.capacity()) {
            throw new Malformed("a structure runs past the end of the file (" + buffer.capacity() + " bytes)");
        }
        return (short) (buffer.get((int) position++) & 0xff);
    }

    @Override
    public int read(byte[] into) {
        if (into.length > buffer.capacity() - position) {
            throw new Malformed("a structure of " + into.length + " bytes at file offset " + Hex.of(position)
                    + " runs past the end of the file (" + buffer.capacity() + " bytes)");
        }
        buffer.get((int) position, into);
        position += into.length;
        return into.length;
    }
}
