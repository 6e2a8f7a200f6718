package io.rseqdbg.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The machine an ELF file is for, and the rseq signature its kernel expects in the 4 bytes
 * before every abort handler (glibc's and librseq's RSEQ_SIG for that architecture).
 */
public enum Architecture {
    X86_64("x86-64", 62, 0x53053053, false),
    I386("i386", 3, 0x53053053, false),
    AARCH64("aarch64", 183, 0xd428bc00, true),
    ARM("arm", 40, 0xe7f5def3, false),
    PPC("ppc", 20, 0x0fe5000b, false),
    PPC64("ppc64", 21, 0x0fe5000b, false),
    S390("s390", 22, 0xb2ff0fff, false),
    RISCV("riscv", 243, 0xf1401073, false),
    MIPS("mips", 8, 0x0350000d, false),
    UNKNOWN("unknown", -1, 0, false);

    private final String displayName;
    private final int machine;
    private final int signature;
    /** aarch64 code is little-endian even in big-endian files: the signature is an instruction. */
    private final boolean signatureAlwaysLittleEndian;

    Architecture(String displayName, int machine, int signature, boolean signatureAlwaysLittleEndian) {
        this.displayName = displayName;
        this.machine = machine;
        this.signature = signature;
        this.signatureAlwaysLittleEndian = signatureAlwaysLittleEndian;
    }

    public static Architecture ofMachine(int eMachine) {
        for (Architecture a : values()) {
            if (a.machine == eMachine) {
                return a;
            }
        }
        return UNKNOWN;
    }

    public String displayName() {
        return displayName;
    }

    public boolean hasKnownSignature() {
        return this != UNKNOWN;
    }

    /** The 4 signature bytes as they appear in memory, for a file of the given byte order. */
    public byte[] signatureBytes(ByteOrder fileOrder) {
        ByteOrder order = signatureAlwaysLittleEndian ? ByteOrder.LITTLE_ENDIAN : fileOrder;
        return ByteBuffer.allocate(4).order(order).putInt(signature).array();
    }

    @Override
    public String toString() {
        return displayName;
    }
}
