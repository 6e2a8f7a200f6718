package io.rseqdbg.ptrace;

import java.util.List;

/** The instruction set of a tracee, with its general registers in the kernel's user_regs_struct order. */
public enum Arch {
    X86_64(8, List.of("r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx",
            "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds",
            "es", "fs", "gs"), "rip", "rsp", "eflags", "orig_rax", "rax", List.of("rdi", "rsi", "rdx", "r10", "r8", "r9")),
    I386(4, List.of("ebx", "ecx", "edx", "esi", "edi", "ebp", "eax", "ds", "es", "fs", "gs", "orig_eax",
            "eip", "cs", "eflags", "esp", "ss"), "eip", "esp", "eflags", "orig_eax", "eax",
            List.of("ebx", "ecx", "edx", "esi", "edi", "ebp"));

    private final int wordSize;
    private final List<String> registerNames;
    final int pc;
    final int sp;
    final int flags;
    final int origSyscall;
    final int result;
    /** The registers that carry a system call's six arguments, in order. */
    final int[] syscallArgs;

    Arch(int wordSize, List<String> names, String pc, String sp, String flags, String orig, String result,
            List<String> syscallArgs) {
        this.wordSize = wordSize;
        this.registerNames = names;
        this.pc = names.indexOf(pc);
        this.sp = names.indexOf(sp);
        this.flags = names.indexOf(flags);
        this.origSyscall = names.indexOf(orig);
        this.result = names.indexOf(result);
        this.syscallArgs = syscallArgs.stream().mapToInt(names::indexOf).toArray();
    }

    /** Bytes in a pointer and in a general register. */
    public int wordSize() {
        return wordSize;
    }

    public List<String> registerNames() {
        return registerNames;
    }

    static Arch ofRegisterCount(int count) {
        return count == I386.registerNames.size() ? I386 : X86_64;
    }
}
