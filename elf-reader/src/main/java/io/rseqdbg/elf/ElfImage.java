package io.rseqdbg.elf;

import io.rseqdbg.elf.internal.FileBytes;
import io.rseqdbg.elf.internal.Hex;
import io.rseqdbg.elf.internal.Malformed;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One ELF executable or shared object, mapped, with its ELF, section and program headers
 * validated against the file's length. Everything else (symbol tables, REL/RELA/RELR sections,
 * table contents) is read through {@link FileBytes}, the one bounded reader over the mapping,
 * only after the range it needs has been checked; so no field of the file can make a read reach
 * past its end or size an allocation. (jelf did this parsing once; reading its way, a byte at a
 * time through a stream, made the first read of a 100 MB file several times slower than readelf.)
 */
public final class ElfImage {

    public static final int ET_EXEC = 2;
    public static final int ET_DYN = 3;
    public static final int PT_LOAD = 1;
    public static final int PF_X = 1;
    public static final int SHT_SYMTAB = 2;
    public static final int SHT_STRTAB = 3;
    public static final int SHT_RELA = 4;
    public static final int SHT_NOBITS = 8;
    public static final int SHT_REL = 9;
    public static final int SHT_DYNSYM = 11;
    public static final int SHT_RELR = 19;
    public static final long SHF_ALLOC = 0x2;
    public static final long SHF_EXECINSTR = 0x4;
    /** sh_info names the section a relocation section applies to. */
    public static final long SHF_INFO_LINK = 0x40;

    /** More headers than any linked executable has: refused before anything is sized by the count. */
    private static final int MAX_HEADERS = Short.MAX_VALUE;

    /** One section header, 32-bit fields zero-extended. */
    public record Section(int index, String name, int type, long flags, long address, long offset, long size,
                          int link, int info, long entrySize) {

        public boolean allocated() {
            return (flags & SHF_ALLOC) != 0;
        }

        public boolean executable() {
            return (flags & SHF_EXECINSTR) != 0;
        }

        public boolean holdsFileBytes() {
            return type != SHT_NOBITS && type != 0;
        }

        public boolean containsAddress(long a) {
            return Long.compareUnsigned(a - address, size) < 0;
        }
    }

    /** One program header, 32-bit fields zero-extended. */
    public record Segment(int type, int flags, long offset, long address, long fileSize, long memorySize) {

        public boolean executable() {
            return (flags & PF_X) != 0;
        }

        public boolean containsAddress(long a) {
            return Long.compareUnsigned(a - address, memorySize) < 0;
        }
    }

    private final Path path;
    private final FileBytes bytes;
    private final boolean is64;
    private final int type;
    private final int machine;
    private final List<Section> sections;
    private final List<Segment> segments;

    private ElfImage(Path path, FileBytes bytes, boolean is64, int type, int machine, List<Section> sections,
                     List<Segment> segments) {
        this.path = path;
        this.bytes = bytes;
        this.is64 = is64;
        this.type = type;
        this.machine = machine;
        this.sections = sections;
        this.segments = segments;
    }

    /** Maps the file and validates its headers. */
    public static ElfImage open(Path path) throws ElfReadException {
        return of(path, map(path));
    }

    /**
     * Validates the headers of an ELF file already in memory ({@code contents}, from position 0 to
     * its capacity); {@code name} only labels it in messages. What {@link #open} does after mapping.
     */
    public static ElfImage of(Path name, ByteBuffer contents) throws ElfReadException {
        ByteBuffer buffer = contents.duplicate().clear();
        if (buffer.capacity() < 16 || buffer.getInt(0) != 0x7f454c46) {
            throw new ElfReadException(name, "not an ELF file", true);
        }
        try {
            return parse(name, buffer);
        } catch (Malformed e) {
            throw new ElfReadException(name, e.getMessage());
        }
    }

    private static ByteBuffer map(Path path) throws ElfReadException {
        refuseWhatIsNotARegularFile(path);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE) {
                throw new ElfReadException(path, "file larger than 2 GiB (" + size + " bytes) is not supported");
            }
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
        } catch (NoSuchFileException e) {
            throw new ElfReadException(path, "no such file");
        } catch (AccessDeniedException e) {
            throw new ElfReadException(path, "permission denied");
        } catch (IOException | UnsupportedOperationException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new ElfReadException(path, "cannot read: " + why.replace(path + ": ", ""));
        }
    }

    /**
     * A FIFO would block the open (and then the read) until a writer comes; a directory or a device
     * has no ELF contents. Asked of the file's attributes, before anything opens it.
     */
    private static void refuseWhatIsNotARegularFile(Path path) throws ElfReadException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new ElfReadException(path, "no such file");
        } catch (AccessDeniedException e) {
            throw new ElfReadException(path, "permission denied");
        } catch (IOException e) {
            return; // opening it says why, below
        }
        if (attributes.isDirectory()) {
            throw new ElfReadException(path, "is a directory");
        }
        if (!attributes.isRegularFile()) {
            throw new ElfReadException(path, "not a regular file (" + kindOfSpecialFile(path) + ")");
        }
    }

    /** "a FIFO", "a socket", "a character device"... from the file type bits of st_mode. */
    private static String kindOfSpecialFile(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode");
            return switch (mode & 0170000) {
                case 0010000 -> "a FIFO";
                case 0140000 -> "a socket";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                default -> "a special file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return "a special file";
        }
    }

    private static ElfImage parse(Path path, ByteBuffer buffer) {
        int elfClass = buffer.get(4);
        int data = buffer.get(5);
        if (elfClass != 1 && elfClass != 2) {
            throw new Malformed("invalid ELF class " + elfClass);
        }
        if (data != 1 && data != 2) {
            throw new Malformed("invalid ELF data encoding " + data);
        }
        if (buffer.get(6) != 1) {
            throw new Malformed("unsupported ELF version " + buffer.get(6));
        }
        boolean is64 = elfClass == 2;
        FileBytes bytes = new FileBytes(buffer, data == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        bytes.check(0, is64 ? 64 : 52, "ELF header");
        int type = bytes.u16(16);
        if (type != ET_EXEC && type != ET_DYN) {
            throw new Malformed("ELF type " + type + " is not an executable or shared object");
        }
        int machine = bytes.u16(18);
        long phoff = bytes.word(is64 ? 32 : 28, is64);
        long shoff = bytes.word(is64 ? 40 : 32, is64);
        int at = is64 ? 54 : 42;
        int phentsize = bytes.u16(at);
        int phnum = bytes.u16(at + 2);
        int shentsize = bytes.u16(at + 4);
        int shnum = bytes.u16(at + 6);
        int shstrndx = bytes.u16(at + 8);

        int shdrSize = is64 ? 64 : 40;
        if (shoff != 0 && (shnum == 0 || shstrndx == 0xffff || phnum == 0xffff)) {
            // Extended numbering: the real counts live in section header 0.
            checkEntrySize("section", shentsize, shdrSize);
            bytes.check(shoff, shdrSize, "section header 0");
            if (shnum == 0) {
                shnum = checkCount("section", bytes.word(shoff + (is64 ? 32 : 20), is64));
            }
            if (shstrndx == 0xffff) {
                shstrndx = (int) Math.min(Integer.MAX_VALUE, bytes.u32(shoff + (is64 ? 40 : 24)));
            }
            if (phnum == 0xffff) {
                phnum = checkCount("program header", bytes.u32(shoff + (is64 ? 44 : 28)));
            }
        }
        checkCount("section", shnum);
        checkCount("program header", phnum);
        List<Segment> segments = new ArrayList<>();
        if (phnum > 0) {
            checkEntrySize("program", phentsize, is64 ? 56 : 32);
            bytes.check(phoff, (long) phnum * phentsize, "program header table");
            for (int i = 0; i < phnum; i++) {
                segments.add(segment(bytes, phoff + (long) i * phentsize, is64));
            }
        }
        List<Section> sections = new ArrayList<>();
        if (shnum > 0) {
            if (shoff == 0) {
                throw new Malformed(shnum + " section headers at file offset 0");
            }
            checkEntrySize("section", shentsize, shdrSize);
            bytes.check(shoff, (long) shnum * shentsize, "section header table");
            if (shstrndx >= shnum) {
                throw new Malformed("section name table index " + shstrndx + " out of range (" + shnum + " sections)");
            }
            Section names = section(bytes, shoff, shentsize, shstrndx, is64, null);
            if (names.type() != SHT_STRTAB) {
                throw new Malformed("section name table (section " + shstrndx + ") is not a string table");
            }
            bytes.check(names.offset(), names.size(), "section name table");
            for (int i = 0; i < shnum; i++) {
                sections.add(section(bytes, shoff, shentsize, i, is64, names));
            }
        }
        return new ElfImage(path, bytes, is64, type, machine, List.copyOf(sections), List.copyOf(segments));
    }

    private static int checkCount(String what, long count) {
        if (count < 0 || count > MAX_HEADERS) {
            throw new Malformed(Long.toUnsignedString(count) + " " + what + " headers (more than " + MAX_HEADERS
                    + " is not supported)");
        }
        return (int) count;
    }

    private static void checkEntrySize(String what, int actual, int expected) {
        if (actual != expected) {
            throw new Malformed(what + " header entry size " + actual + ", expected " + expected);
        }
    }

    private static Segment segment(FileBytes b, long at, boolean is64) {
        int type = (int) b.u32(at);
        if (is64) {
            return new Segment(type, (int) b.u32(at + 4), b.u64(at + 8), b.u64(at + 16), b.u64(at + 32), b.u64(at + 40));
        }
        return new Segment(type, (int) b.u32(at + 24), b.u32(at + 4), b.u32(at + 8), b.u32(at + 16), b.u32(at + 20));
    }

    private static Section section(FileBytes b, long shoff, int entsize, int index, boolean is64, Section names) {
        long at = shoff + (long) index * entsize;
        long nameOffset = b.u32(at);
        int type = (int) b.u32(at + 4);
        long flags = b.word(at + 8, is64);
        long address = b.word(at + (is64 ? 16 : 12), is64);
        long offset = b.word(at + (is64 ? 24 : 16), is64);
        long size = b.word(at + (is64 ? 32 : 20), is64);
        int link = (int) b.u32(at + (is64 ? 40 : 24));
        int info = (int) b.u32(at + (is64 ? 44 : 28));
        long entrySize = b.word(at + (is64 ? 56 : 36), is64);
        String name = "";
        // Index 0 of a string table is the empty string by definition, whatever byte the file has
        // there (jelf agrees; found by fuzzing against it).
        if (names != null && index != 0 && nameOffset != 0) {
            name = b.cString(names.offset() + nameOffset, names.size() - nameOffset);
            if (name == null) {
                throw new Malformed("section " + index + ": name offset " + nameOffset + " outside the section name table");
            }
        }
        return new Section(index, name, type, flags, address, offset, size, link, info, entrySize);
    }

    public Path path() {
        return path;
    }

    public boolean is64() {
        return is64;
    }

    public ByteOrder byteOrder() {
        return bytes.order();
    }

    /** {@link #ET_EXEC} or {@link #ET_DYN}. */
    public int type() {
        return type;
    }

    public Architecture architecture() {
        return Architecture.ofMachine(machine);
    }

    public int machine() {
        return machine;
    }

    public List<Section> sections() {
        return sections;
    }

    public Optional<Section> section(String name) {
        return sections.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public Optional<Section> sectionContaining(long address) {
        return sections.stream().filter(s -> s.allocated() && s.containsAddress(address)).findFirst();
    }

    public List<Segment> segments() {
        return segments;
    }

    public List<Segment> loadSegments() {
        return segments.stream().filter(s -> s.type() == PT_LOAD).toList();
    }

    /** The file's bytes, bounded; for the readers in the internal package. */
    public FileBytes bytes() {
        return bytes;
    }

    /** The section's file bytes, checked against the file's length. */
    public void checkContents(Section s) {
        if (s.holdsFileBytes()) {
            bytes.check(s.offset(), s.size(), "section " + s.name() + " (" + s.size() + " bytes)");
        }
    }

    @Override
    public String toString() {
        return path + " (" + architecture() + ", ELF" + (is64 ? 64 : 32) + ", " + Hex.of(bytes.size()) + " bytes)";
    }
}
