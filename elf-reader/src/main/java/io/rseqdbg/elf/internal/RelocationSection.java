package io.rseqdbg.elf.internal;

import io.rseqdbg.elf.ElfImage;
import io.rseqdbg.elf.ElfImage.Section;

/**
 * One SHT_REL or SHT_RELA section, its entries read in place: {r_offset; r_info[; r_addend]},
 * each a word of the ELF class. r_info holds symbol and type as (sym << 32 | type) in ELF64 and
 * (sym << 8 | type) in ELF32; the ELF32 addend is signed.
 */
final class RelocationSection {

    private final Entries entries;
    private final boolean is64;
    private final boolean hasAddends;

    private RelocationSection(Entries entries, boolean is64, boolean hasAddends) {
        this.entries = entries;
        this.is64 = is64;
        this.hasAddends = hasAddends;
    }

    static RelocationSection of(ElfImage image, Section s) {
        boolean rela = s.type() == ElfImage.SHT_RELA;
        if (!rela && s.type() != ElfImage.SHT_REL) {
            throw new Malformed("section " + s.name() + " is not a REL or RELA section");
        }
        int word = image.is64() ? 8 : 4;
        return new RelocationSection(Entries.of(image, s, rela ? 3 * word : 2 * word), image.is64(), rela);
    }

    int count() {
        return entries.count();
    }

    /** RELA: the addend is in the entry; REL: in the relocated word. */
    boolean hasAddends() {
        return hasAddends;
    }

    long offset(int i) {
        return entries.word(i, 0, is64);
    }

    int type(int i) {
        return is64 ? (int) entries.u64(i, 8) : (int) (entries.u32(i, 4) & 0xff);
    }

    int symbol(int i) {
        return is64 ? (int) (entries.u64(i, 8) >>> 32) : (int) (entries.u32(i, 4) >>> 8);
    }

    long addend(int i) {
        return is64 ? entries.u64(i, 16) : entries.s32(i, 8);
    }
}
