package io.rseqdbg.ptrace;

/**
 * Instructions that move the trap flag (TF) between the flags and memory, which single-stepping
 * gets wrong on x86.
 *
 * <p>Stepping {@code pushf} pushes the flags with the TF the kernel set for the step; the program
 * would see it, and a later {@code popf} would make it trap on its own (rr clears it too). A
 * fixup is made when the instruction about to be stepped is a pushf; after the step, if the
 * thread did push (sp moved by the operand size, pc past the instruction), TF is cleared in the
 * pushed copy.
 *
 * <p>Stepping {@code popf} (or {@code iret}) makes the kernel assume the program set TF itself
 * (arch/x86/kernel/step.c drops TIF_FORCED_TF), and the next steps keep it that way, so a later
 * PTRACE_CONT or PTRACE_DETACH would leave TF set and the program would die of SIGTRAP. The
 * tracer clears TF itself before such a resume.
 *
 * <p>Both assume that programs never set TF themselves, as single-stepping debuggers do.
 */
record PushfFixup(long expectedSp, long expectedPc, int operandSize) {

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

    /** True when the instruction in {@code code} is popf or iret (legacy prefixes, a REX allowed). */
    static boolean loadsFlags(byte[] code, int length) {
        for (int i = 0; i < length && i < 15; i++) {
            int b = code[i] & 0xff;
            boolean prefix = b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x26
                    || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 || (b >= 0x40 && b <= 0x4f);
            if (!prefix) {
                return b == 0x9d || b == 0xcf;
            }
        }
        return false;
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
