package io.rseqdbg.elf.internal;

import io.rseqdbg.elf.ElfImage;
import io.rseqdbg.elf.ElfImage.Section;
import io.rseqdbg.elf.ElfImage.Segment;
import java.util.ArrayList;
import java.util.List;

/**
 * The file's contents at link-time virtual addresses, as the loader would map them: PT_LOAD
 * segments (zero-filled past their file size), or the allocated sections of a file without
 * program headers. Reads may cross from one extent into the next.
 */
public final class AddressSpace {

    private record Extent(long address, long fileOffset, long fileSize, long memorySize, boolean executable) {

        boolean contains(long a) {
            return Long.compareUnsigned(a - address, memorySize) < 0;
        }
    }

    private final FileBytes bytes;
    private final List<Extent> extents;

    private AddressSpace(FileBytes bytes, List<Extent> extents) {
        this.bytes = bytes;
        this.extents = extents;
    }

    public static AddressSpace of(ElfImage image) {
        List<Extent> extents = new ArrayList<>();
        for (Segment s : image.loadSegments()) {
            extents.add(new Extent(s.address(), s.offset(), Math.min(s.fileSize(), s.memorySize()), s.memorySize(),
                    s.executable()));
        }
        if (extents.isEmpty()) {
            for (Section s : image.sections()) {
                if (s.allocated()) {
                    long fileSize = s.holdsFileBytes() ? s.size() : 0;
                    extents.add(new Extent(s.address(), s.offset(), fileSize, s.size(), s.executable()));
                }
            }
        }
        return new AddressSpace(image.bytes(), List.copyOf(extents));
    }

    public boolean executable(long address) {
        for (Extent e : extents) {
            if (e.executable() && e.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** True when every byte of {@code [address, address + length)} is mapped (from the file or zero-filled). */
    public boolean mapped(long address, int length) {
        long done = 0;
        while (done < length) {
            Extent e = extentAt(address + done);
            if (e == null) {
                return false;
            }
            done += Math.min(length - done, unsignedRemainder(e.memorySize(), address + done - e.address()));
        }
        return true;
    }

    /** The 4-byte word at a mapped address, in the file's byte order, zero-extended. */
    public long u32(long address) {
        long offset = fileOffset(address, 4);
        return offset >= 0 ? bytes.u32(offset) : ordered(address, 4).getInt(0) & 0xffffffffL;
    }

    /** The 8-byte word at a mapped address, in the file's byte order. */
    public long u64(long address) {
        long offset = fileOffset(address, 8);
        return offset >= 0 ? bytes.u64(offset) : ordered(address, 8).getLong(0);
    }

    /** The file offset of {@code [address, address + length)} when one extent's file bytes hold all of it; else -1. */
    private long fileOffset(long address, int length) {
        Extent e = extentAt(address);
        if (e == null) {
            return -1;
        }
        long into = address - e.address();
        return unsignedRemainder(e.fileSize(), into) >= length ? e.fileOffset() + into : -1;
    }

    /** The slow path, across extents or into zero fill. */
    private java.nio.ByteBuffer ordered(long address, int length) {
        byte[] raw = read(address, length);
        if (raw == null) {
            throw new Malformed("address " + Hex.of(address) + " (+" + length + " bytes) is not in the loaded image");
        }
        return java.nio.ByteBuffer.wrap(raw).order(bytes.order());
    }

    /** {@code length} bytes from {@code address} on, or null if any of them is not mapped. */
    public byte[] read(long address, int length) {
        byte[] out = new byte[length];
        int done = 0;
        while (done < length) {
            long a = address + done;
            Extent e = extentAt(a);
            if (e == null) {
                return null;
            }
            long into = a - e.address();
            int chunk = (int) Math.min(length - done, unsignedRemainder(e.memorySize(), into));
            int fromFile = (int) Math.min(chunk, unsignedRemainder(e.fileSize(), into));
            if (fromFile > 0) {
                byte[] part = bytes.bytes(e.fileOffset() + into, fromFile);
                System.arraycopy(part, 0, out, done, fromFile);
            }
            done += chunk; // the rest of the chunk lies past the file size: zero, as in .bss
        }
        return out;
    }

    /** {@code size - into} for unsigned sizes, 0 when {@code into} is past the end; never negative. */
    private static long unsignedRemainder(long size, long into) {
        if (Long.compareUnsigned(into, size) >= 0) {
            return 0;
        }
        long rest = size - into;
        return rest < 0 ? Long.MAX_VALUE : rest;
    }

    private Extent extentAt(long a) {
        for (Extent e : extents) {
            if (e.contains(a)) {
                return e;
            }
        }
        return null;
    }
}
