package io.rseqdbg.elf.internal;

import io.rseqdbg.elf.ElfImage;
import io.rseqdbg.elf.ElfImage.Section;
import java.nio.ByteBuffer;

/**
 * A section of fixed-size entries (symbols, relocations), checked once against the file: entry
 * size as the ELF class requires, a whole number of entries, every byte inside the file. After
 * that each field is one absolute read of the mapped buffer; no field of an entry can reach past
 * the section, so none is checked again. jelf read these byte by byte through a stream.
 */
final class Entries {

    private final ByteBuffer buffer;
    private final int base;
    private final int entrySize;
    private final int count;

    private Entries(ByteBuffer buffer, int base, int entrySize, int count) {
        this.buffer = buffer;
        this.base = base;
        this.entrySize = entrySize;
        this.count = count;
    }

    static Entries of(ElfImage image, Section s, int entrySize) {
        if (s.entrySize() != entrySize) {
            throw new Malformed("section " + s.name() + ": entry size " + s.entrySize() + ", expected " + entrySize);
        }
        if (s.size() % entrySize != 0) {
            throw new Malformed("section " + s.name() + ": size " + s.size() + " is not a multiple of " + entrySize);
        }
        image.checkContents(s);
        long count = s.holdsFileBytes() ? s.size() / entrySize : 0;
        // Inside a file of at most 2 GiB: offset and count fit an int.
        return new Entries(image.bytes().buffer(), (int) s.offset(), entrySize, (int) count);
    }

    int count() {
        return count;
    }

    int u8(int entry, int field) {
        return buffer.get(at(entry, field)) & 0xff;
    }

    int u16(int entry, int field) {
        return buffer.getShort(at(entry, field)) & 0xffff;
    }

    long u32(int entry, int field) {
        return buffer.getInt(at(entry, field)) & 0xffffffffL;
    }

    int s32(int entry, int field) {
        return buffer.getInt(at(entry, field));
    }

    long u64(int entry, int field) {
        return buffer.getLong(at(entry, field));
    }

    /** An address-sized field: 8 bytes in ELF64, 4 (zero-extended) in ELF32. */
    long word(int entry, int field, boolean is64) {
        return is64 ? u64(entry, field) : u32(entry, field);
    }

    private int at(int entry, int field) {
        return base + entry * entrySize + field;
    }
}
