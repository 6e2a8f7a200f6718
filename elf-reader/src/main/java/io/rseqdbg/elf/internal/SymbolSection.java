package io.rseqdbg.elf.internal;

import io.rseqdbg.elf.ElfImage;
import io.rseqdbg.elf.ElfImage.Section;

/**
 * One SHT_SYMTAB or SHT_DYNSYM section, its entries read in place:
 * ELF64 {u32 name; u8 info; u8 other; u16 shndx; u64 value; u64 size},
 * ELF32 {u32 name; u32 value; u32 size; u8 info; u8 other; u16 shndx}.
 */
final class SymbolSection {

    private final Entries entries;
    private final boolean is64;

    private SymbolSection(Entries entries, boolean is64) {
        this.entries = entries;
        this.is64 = is64;
    }

    static SymbolSection of(ElfImage image, Section s) {
        if (s.type() != ElfImage.SHT_SYMTAB && s.type() != ElfImage.SHT_DYNSYM) {
            throw new Malformed("section " + s.name() + " is not a symbol table");
        }
        return new SymbolSection(Entries.of(image, s, image.is64() ? 24 : 16), image.is64());
    }

    int count() {
        return entries.count();
    }

    long nameOffset(int i) {
        return entries.u32(i, 0);
    }

    long value(int i) {
        return entries.word(i, is64 ? 8 : 4, is64);
    }

    long size(int i) {
        return entries.word(i, is64 ? 16 : 8, is64);
    }

    int type(int i) {
        return info(i) & 0xf;
    }

    int binding(int i) {
        return info(i) >> 4;
    }

    int sectionIndex(int i) {
        return entries.u16(i, is64 ? 6 : 14);
    }

    private int info(int i) {
        return entries.u8(i, is64 ? 4 : 12);
    }
}
