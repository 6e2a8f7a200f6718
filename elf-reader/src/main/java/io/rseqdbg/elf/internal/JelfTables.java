package io.rseqdbg.elf.internal;

import io.rseqdbg.elf.ElfImage;
import io.rseqdbg.elf.ElfImage.Section;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import net.fornwall.jelf.ElfFile;
import net.fornwall.jelf.ElfRelocation;
import net.fornwall.jelf.ElfRelocationAddend;
import net.fornwall.jelf.ElfRelocationAddendSection;
import net.fornwall.jelf.ElfRelocationSection;
import net.fornwall.jelf.ElfSection;
import net.fornwall.jelf.ElfSymbol;
import net.fornwall.jelf.ElfSymbolTableSection;

/**
 * The only class that calls jelf. Each call is made only after the section it touches has been
 * checked (type, entry size, contents inside the file), and whatever jelf still throws is caught
 * here and becomes {@link Malformed}.
 */
public final class JelfTables {

    /** One symbol table entry; value and size zero-extended in ELF32. */
    public record SymbolEntry(long value, long size, int type, int binding, int sectionIndex, long nameOffset) {
    }

    /** One REL or RELA entry; r_offset zero-extended in ELF32. */
    public record RelocationEntry(long offset, int type, int symbol, long addend, boolean hasAddend) {
    }

    private final ElfImage image;
    private ElfFile file;

    public JelfTables(ElfImage image) {
        this.image = image;
    }

    public List<SymbolEntry> symbols(Section s) {
        if (s.type() != ElfImage.SHT_SYMTAB && s.type() != ElfImage.SHT_DYNSYM) {
            throw new Malformed("section " + s.name() + " is not a symbol table");
        }
        checkTable(s, image.is64() ? 24 : 16);
        ElfSymbolTableSection table = guarded(s, () -> (ElfSymbolTableSection) elf().getSection(s.index()));
        List<SymbolEntry> out = new ArrayList<>(table.symbols.length);
        for (ElfSymbol sym : table.symbols) {
            out.add(new SymbolEntry(address(sym.st_value), address(sym.st_size), sym.st_info & 0xf,
                    (sym.st_info >> 4) & 0xf, sym.st_shndx & 0xffff, sym.st_name & 0xffffffffL));
        }
        return out;
    }

    public List<RelocationEntry> relocations(Section s) {
        boolean rela = s.type() == ElfImage.SHT_RELA;
        if (!rela && s.type() != ElfImage.SHT_REL) {
            throw new Malformed("section " + s.name() + " is not a REL or RELA section");
        }
        int word = image.is64() ? 8 : 4;
        checkTable(s, rela ? 3 * word : 2 * word);
        ElfSection section = guarded(s, () -> elf().getSection(s.index()));
        List<RelocationEntry> out = new ArrayList<>();
        if (section instanceof ElfRelocationAddendSection r) {
            for (ElfRelocationAddend e : r.relocations) {
                out.add(new RelocationEntry(address(e.r_offset), type(e.r_info), symbol(e.r_info), e.r_addend, true));
            }
        } else if (section instanceof ElfRelocationSection r) {
            for (ElfRelocation e : r.relocations) {
                out.add(new RelocationEntry(address(e.r_offset), type(e.r_info), symbol(e.r_info), 0, false));
            }
        } else {
            throw new Malformed("section " + s.name() + " was not parsed as relocations");
        }
        return out;
    }

    private void checkTable(Section s, int entrySize) {
        if (s.entrySize() != entrySize) {
            throw new Malformed("section " + s.name() + ": entry size " + s.entrySize() + ", expected " + entrySize);
        }
        if (s.size() % entrySize != 0) {
            throw new Malformed("section " + s.name() + ": size " + s.size() + " is not a multiple of " + entrySize);
        }
        image.checkContents(s);
    }

    private long address(long v) {
        return image.is64() ? v : v & 0xffffffffL;
    }

    private int type(long info) {
        return (int) (image.is64() ? info & 0xffffffffL : info & 0xff);
    }

    private int symbol(long info) {
        return (int) (image.is64() ? info >>> 32 : (info & 0xffffffffL) >>> 8);
    }

    private ElfFile elf() {
        if (file == null) {
            file = ElfFile.from(new BoundedBackingFile(image.bytes().buffer()));
        }
        return file;
    }

    private <T> T guarded(Section s, Supplier<T> call) {
        try {
            return call.get();
        } catch (Malformed e) {
            throw new Malformed("section " + s.name() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw new Malformed("section " + s.name() + ": unreadable (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }
}
