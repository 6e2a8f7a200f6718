package io.rseqdbg.ptrace;

/**
 * Tells, from its bytes, whether an x86 instruction can write memory. Conservative: only the
 * common instructions that certainly write no memory answer false (register moves and
 * arithmetic, loads, compares, jumps, returns, nops); everything else, or anything not
 * understood, may store. A stepper uses it to skip re-reading memory the program can only have
 * changed with a store.
 */
final class StoreCheck {

    private StoreCheck() {
    }

    static boolean mayStore(byte[] code, int length, Arch arch) {
        boolean x64 = arch == Arch.X86_64;
        int i = 0;
        // Legacy prefixes and, on x86-64, REX bytes, in any order and number (a misplaced REX is
        // ignored by the processor, not by us: the opcode is whatever follows them all).
        while (i < length && i < 15 && (isLegacyPrefix(code[i] & 0xff) || x64 && (code[i] & 0xf0) == 0x40)) {
            i++;
        }
        if (i >= length) {
            return true;
        }
        int op = code[i] & 0xff;
        int modrm = i + 1 < length ? code[i + 1] & 0xff : -1;
        boolean registerOperand = modrm >= 0 && (modrm >> 6) == 3;
        if (op == 0x0f) {
            return mayStoreTwoByte(i + 1 < length ? code[i + 1] & 0xff : -1,
                    i + 2 < length ? code[i + 2] & 0xff : -1);
        }
        if (op < 0x40 && (op & 0x07) <= 5 && op != 0x26 && op != 0x2e && op != 0x36 && op != 0x3e) {
            // ALU: r/m <- reg (0, 1) writes its r/m; reg <- r/m (2, 3) and AL/eAX <- imm (4, 5) do not.
            return (op & 0x07) <= 1 && !registerOperand;
        }
        if (op >= 0x40 && op <= 0x4f) {
            return false; // i386 inc/dec of a register (on x86-64 these are REX, consumed above)
        }
        if (op == 0x63) {
            return !x64 && !registerOperand; // x86-64 movsxd loads; i386 arpl writes its r/m
        }
        if (op >= 0x58 && op <= 0x5f) {
            return false; // pop into a register: reads the stack
        }
        if (op >= 0x70 && op <= 0x7f || op >= 0xb0 && op <= 0xbf || op >= 0x91 && op <= 0x99) {
            return false; // jcc; mov reg, imm; xchg eAX, reg; cbw/cwd
        }
        switch (op) {
            case 0x69: case 0x6b: case 0x84: case 0x85: case 0x8a: case 0x8b: case 0x8d:
            case 0x90: case 0xa8: case 0xa9: case 0xc2: case 0xc3: case 0xc9: case 0xeb: case 0xe9:
                return false; // imul, test, loads, lea, nop, test imm, ret, leave, jmp
            case 0x80: case 0x81: case 0x83: case 0x88: case 0x89: case 0xc0: case 0xc1: case 0xc6:
            case 0xc7: case 0xd0: case 0xd1: case 0xd2: case 0xd3: case 0xf6: case 0xf7: case 0xfe:
                return !registerOperand; // group 1, mov r/m, shifts, group 3, inc/dec: write only memory operands
            case 0xff: {
                int reg = modrm >= 0 ? (modrm >> 3) & 7 : -1;
                return !registerOperand || reg == 2 || reg == 3 || reg == 6; // calls and push store
            }
            default:
                return true;
        }
    }

    private static boolean mayStoreTwoByte(int op, int modrm) {
        boolean registerOperand = modrm >= 0 && (modrm >> 6) == 3;
        if (op >= 0x80 && op <= 0x8f || op >= 0x40 && op <= 0x4f) {
            return false; // jcc rel32, cmovcc
        }
        if (op >= 0x90 && op <= 0x9f) {
            return !registerOperand; // setcc r/m8
        }
        switch (op) {
            case 0x1f: case 0xaf: case 0xb6: case 0xb7: case 0xbe: case 0xbf: case 0xa2:
                return false; // nop r/m, imul, movzx, movsx, cpuid
            default:
                return true; // syscall, SSE/AVX stores, cmpxchg, xadd, ...
        }
    }

    private static boolean isLegacyPrefix(int b) {
        return b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x26 || b == 0x2e
                || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
    }
}
