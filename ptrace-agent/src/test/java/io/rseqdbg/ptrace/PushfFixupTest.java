package io.rseqdbg.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PushfFixupTest {
    private static byte[] code(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return b;
    }

    @Test
    void pushfPushesAWordOfTheTraceesSize() {
        assertEquals(8, PushfFixup.pushfOperandSize(code(0x9c, 0x58), 2, Arch.X86_64));
        assertEquals(4, PushfFixup.pushfOperandSize(code(0x9c, 0x58), 2, Arch.I386));
    }

    @Test
    void anOperandSizePrefixMakesItSixteenBits() {
        assertEquals(2, PushfFixup.pushfOperandSize(code(0x66, 0x9c), 2, Arch.X86_64));
        assertEquals(2, PushfFixup.pushfOperandSize(code(0x66, 0x9c), 2, Arch.I386));
    }

    @Test
    void aRexPrefixIsSkippedOnX8664Only() {
        assertEquals(8, PushfFixup.pushfOperandSize(code(0x48, 0x9c), 2, Arch.X86_64));
        assertEquals(2, PushfFixup.instructionLength(code(0x48, 0x9c), 2));
        // On i386 0x48 is "dec eax", an instruction of its own.
        assertEquals(0, PushfFixup.pushfOperandSize(code(0x48, 0x9c), 2, Arch.I386));
    }

    @Test
    void otherInstructionsAreNotPushf() {
        assertEquals(0, PushfFixup.pushfOperandSize(code(0x9d), 1, Arch.X86_64));
        assertEquals(0, PushfFixup.pushfOperandSize(code(0x50), 1, Arch.X86_64));
        assertEquals(0, PushfFixup.pushfOperandSize(code(0x0f, 0x9c, 0xc0), 3, Arch.X86_64)); // setl al
    }

    @Test
    void popfAndIretLoadTheFlags() {
        assertTrue(PushfFixup.loadsFlags(code(0x9d), 1));
        assertTrue(PushfFixup.loadsFlags(code(0x66, 0x9d), 2));
        assertTrue(PushfFixup.loadsFlags(code(0x48, 0xcf), 2));
        assertFalse(PushfFixup.loadsFlags(code(0x9c), 1));
        assertFalse(PushfFixup.loadsFlags(code(0x0f, 0x9d, 0xc0), 3)); // setge al
    }
}
