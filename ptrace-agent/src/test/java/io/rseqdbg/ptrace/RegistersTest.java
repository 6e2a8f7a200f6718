package io.rseqdbg.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RegistersTest {
    @Test
    void namedAccessFollowsTheKernelLayout() {
        long[] values = new long[27];
        values[16] = 0x401000; // rip
        values[19] = 0x7ffc0000; // rsp
        values[15] = 1; // orig_rax
        Registers r = new Registers(Arch.X86_64, values);
        assertEquals(0x401000, r.pc());
        assertEquals(0x401000, r.get("rip"));
        assertEquals(0x7ffc0000, r.sp());
        assertEquals(1, r.origSyscall());
        r.cancelSyscallRestart();
        assertEquals(-1, r.get("orig_rax"));
    }

    @Test
    void i386RegistersAreThirtyTwoBitsWide() {
        Registers r = new Registers(Arch.I386, new long[17]);
        r.setPc(0x1_0804_8000L);
        assertEquals(0x0804_8000L, r.get("eip"));
        r.cancelSyscallRestart();
        assertEquals(-1, r.origSyscall());
        assertEquals(0xffff_ffffL, r.get("orig_eax"));
    }

    @Test
    void anUnknownRegisterIsRefused() {
        Registers r = new Registers(Arch.I386, new long[17]);
        assertThrows(IllegalArgumentException.class, () -> r.get("rip"));
    }
}
