package io.rseqdbg.ptrace;

/**
 * Single-stepping {@code pushf} pushes the flags with the trap flag the kernel set for the step,
 * and a later {@code popf} would make the program trap on its own (rr clears it too). Made when
 * the instruction about to be stepped is a pushf; after the step, if the thread did push (sp moved
 * by the operand size, pc past the instruction), the trap flag is cleared in the pushed copy —
 * unless the program had set TF itself.
 */
record PushfFixup(long expectedSp, long expectedPc, int operandSize, boolean programHadTrapFlag) {

    /**
     * The operand size (2, 4 or 8) if the instruction in {@code code} (bytes from the pc on) is a
     * pushf, else 0. Skips legacy prefixes and, on x86-64, a REX prefix.
     */
    static int pushfOperandSize(byte[] code, int length, Arch arch) {
        boolean operand16 = false;
        for (int i = 0; i < length && i < 15; i++) {
            int b = code[i] & 0xff;
            switch (b) {
                case 0x66:
                    operand16 = true;
                    continue;
                case 0x67: case 0xf0: case 0xf2: case 0xf3:
                case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
                    continue;
                default:
                    break;
            }
            if (arch == Arch.X86_64 && b >= 0x40 && b <= 0x4f && i + 1 < length) {
                b = code[++i] & 0xff;
            }
            if (b != 0x9c) {
                return 0;
            }
            if (operand16) {
                return 2;
            }
            return arch == Arch.X86_64 ? 8 : 4;
        }
        return 0;
    }

    static int instructionLength(byte[] code, int length) {
        for (int i = 0; i < length; i++) {
            if ((code[i] & 0xff) == 0x9c) {
                return i + 1;
            }
        }
        return 1;
    }
}
