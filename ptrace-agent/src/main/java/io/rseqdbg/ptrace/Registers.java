package io.rseqdbg.ptrace;

import java.util.Arrays;

/**
 * A copy of one thread's general registers, in the layout of its own architecture (an i386
 * tracee answers with 17 32-bit registers). Changes take effect through
 * {@link Tracer#setRegisters(int, Registers)}.
 */
public final class Registers {
    /** The x86 trap flag in (e/r)flags. */
    public static final long TRAP_FLAG = 0x100;

    private final Arch arch;
    private final long[] values;

    Registers(Arch arch, long[] values) {
        this.arch = arch;
        this.values = Arrays.copyOf(values, arch.registerNames().size());
    }

    public Arch arch() {
        return arch;
    }

    public long pc() {
        return values[arch.pc];
    }

    /**
     * Moves the program counter. When the thread is stopped inside an interrupted system call,
     * also call {@link #cancelSyscallRestart()}, or the kernel rewinds the new pc by 2 bytes to
     * restart the call; {@link Tracer#setPc(int, long)} does both.
     */
    public void setPc(long pc) {
        set(arch.pc, pc);
    }

    public long sp() {
        return values[arch.sp];
    }

    public void setSp(long sp) {
        set(arch.sp, sp);
    }

    public long flags() {
        return values[arch.flags];
    }

    public void setFlags(long flags) {
        set(arch.flags, flags);
    }

    /** orig_rax / orig_eax: the number of the system call the thread is in, or -1. */
    public long origSyscall() {
        long v = values[arch.origSyscall];
        return arch == Arch.I386 ? (int) v : v;
    }

    /** Sets orig_rax to -1 so that no system call restart rewinds the pc on resume. */
    public void cancelSyscallRestart() {
        set(arch.origSyscall, -1);
    }

    /** rax / eax: a system call's result, a function's return value. */
    public long result() {
        return values[arch.result];
    }

    /** A register by its kernel name ("rip", "rsp", "eax", ...). */
    public long get(String name) {
        return values[index(name)];
    }

    public void set(String name, long value) {
        set(index(name), value);
    }

    public Registers copy() {
        return new Registers(arch, values);
    }

    long[] values() {
        return values;
    }

    private void set(int index, long value) {
        values[index] = arch == Arch.I386 ? value & 0xffffffffL : value;
    }

    private int index(String name) {
        int i = arch.registerNames().indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no register " + name + " on " + arch);
        }
        return i;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(arch.name()).append('{');
        for (int i = 0; i < values.length; i++) {
            s.append(i == 0 ? "" : " ").append(arch.registerNames().get(i)).append("=0x")
                    .append(Long.toHexString(values[i]));
        }
        return s.append('}').toString();
    }
}
