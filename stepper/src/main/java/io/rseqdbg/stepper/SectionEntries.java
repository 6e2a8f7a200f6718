package io.rseqdbg.stepper;

import io.rseqdbg.elf.CriticalSection;
import java.util.HashMap;
import java.util.Map;

/**
 * The instructions right before a critical section that store its descriptor into {@code rseq_cs}
 * (librseq, glibc and the bundled runtime all end their entry with that store, and {@code
 * start_ip} follows it). A thread stopped at one can run the whole section at full speed with
 * the kernel's protection intact: the store runs first, so a preemption, a migration or a signal
 * aborts the section exactly as it would untraced.
 *
 * <p>Learned, not disassembled: when a single step from {@code p} lands on {@code start_ip} and
 * the instruction at {@code p} is a move to memory (which cannot branch), {@code p}'s successor
 * is always {@code start_ip}.
 */
final class SectionEntries {

    /** The longest x86 instruction: an entry store lies at most this far before start_ip. */
    private static final int LONGEST_INSTRUCTION = 15;

    private final Map<Long, CriticalSection> byAddress = new HashMap<>();

    /** Whether an instruction at {@code pc} can be the one whose successor is {@code cs.start()}. */
    static boolean mayBeEntryStore(CriticalSection cs, long pc) {
        return pc < cs.start() && cs.start() - pc <= LONGEST_INSTRUCTION;
    }

    /** The section whose entry store is at {@code pc}, or null. */
    CriticalSection at(long pc) {
        return byAddress.get(pc);
    }

    /**
     * Learns {@code previousPc} as the entry of {@code cs} when a single step from it just landed
     * on {@code cs.start()} and its instruction is a move to memory.
     */
    void learn(Inferior inferior, CriticalSection cs, long previousPc, long pc) {
        if (pc != cs.start() || previousPc < 0 || !mayBeEntryStore(cs, previousPc) || byAddress.containsKey(previousPc)) {
            return;
        }
        byte[] code;
        try {
            code = inferior.read(previousPc, (int) (cs.start() - previousPc));
        } catch (RuntimeException e) {
            return; // unreadable code: nothing learned
        }
        if (isMoveToMemory(code)) {
            byAddress.put(previousPc, cs);
        }
    }

    /** Forgets everything: after an exec, or when modules come and go. */
    void clear() {
        byAddress.clear();
    }

    /**
     * True when {@code code} is exactly one x86 {@code mov} to a memory operand ({@code 88/89/c6/c7}
     * with a ModRM that names memory), after any legacy prefixes and, on x86-64, a REX byte.
     */
    static boolean isMoveToMemory(byte[] code) {
        int i = 0;
        while (i < code.length - 1 && isPrefix(code[i] & 0xff)) {
            i++;
        }
        if (i + 1 >= code.length) {
            return false;
        }
        int op = code[i] & 0xff;
        int modrm = code[i + 1] & 0xff;
        boolean memoryOperand = (modrm >> 6) != 3;
        boolean move = op == 0x88 || op == 0x89 || (op == 0xc6 || op == 0xc7) && ((modrm >> 3) & 7) == 0;
        return move && memoryOperand;
    }

    /** Legacy prefixes (segment overrides %fs/%gs among them: TLS stores use them) and REX. */
    private static boolean isPrefix(int b) {
        return b == 0x66 || b == 0x67 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26
                || b == 0x64 || b == 0x65 || (b & 0xf0) == 0x40;
    }
}
