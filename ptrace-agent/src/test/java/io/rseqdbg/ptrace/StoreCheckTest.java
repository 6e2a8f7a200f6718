package io.rseqdbg.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Encodings (as objdump shows them) of instructions that do or cannot write memory. */
class StoreCheckTest {

    @ParameterizedTest(name = "{2}: {0} stores={1}")
    @CsvSource({
            "48894308, true, mov %rax 8(%rbx) (the rseq_cs store)",
            "48c7430800000000, true, movq $0 8(%rbx)",
            "488b4308, false, mov 8(%rbx) %rax",
            "4883c001, false, add $1 %rax",
            "48830001, true, addq $1 (%rax)",
            "4801d8, false, add %rbx %rax",
            "480118, true, add %rbx (%rax)",
            "7505, false, jne",
            "e800000000, true, call (pushes)",
            "55, true, push %rbp",
            "5d, false, pop %rbp",
            "c3, false, ret",
            "f0480fb10a, true, lock cmpxchg %rcx (%rdx)",
            "0fb600, false, movzbl (%rax) %eax",
            "0f05, true, syscall",
            "f348ab, true, rep stos",
            "408830, true, mov %sil (%rax)",
            "488d0500000000, false, lea (%rip) %rax",
            "ffd0, true, call *%rax",
            "ffe0, false, jmp *%rax",
            "ff00, true, incl (%rax)",
            "0f1f4000, false, nopl 0(%rax)",
            "c5f911c0, true, a VEX instruction (not understood)",
            "64488b042528000000, false, mov %fs:0x28 %rax",
            "40488903, true, a redundant REX before mov %rax (%rbx)",
            "4863c3, false, movsxd %ebx %rax",
    })
    void x86_64(String hex, boolean stores, String what) {
        byte[] code = HexFormat.of().parseHex(hex);
        assertEquals(stores, StoreCheck.mayStore(code, code.length, Arch.X86_64), what);
    }

    @ParameterizedTest(name = "{2}: {0} stores={1}")
    @CsvSource({
            "40, false, inc %eax",
            "894304, true, mov %eax 4(%ebx)",
            "8b4304, false, mov 4(%ebx) %eax",
            "6318, true, arpl %bx (%eax)",
    })
    void i386(String hex, boolean stores, String what) {
        byte[] code = HexFormat.of().parseHex(hex);
        assertEquals(stores, StoreCheck.mayStore(code, code.length, Arch.I386), what);
    }

    @ParameterizedTest(name = "{0} bytes")
    @CsvSource({"0", "1"})
    void tooFewBytesMayStore(int length) {
        assertEquals(true, StoreCheck.mayStore(new byte[] {0x48}, length, Arch.X86_64));
    }
}
