package io.rseqdbg.elf.internal;

/** Addresses print as 0x hex, unsigned (DESIGN.md, Conventions). */
public final class Hex {

    private Hex() {
    }

    public static String of(long value) {
        return "0x" + Long.toHexString(value);
    }

    public static String bytes(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (byte b : bytes) {
            if (text.length() > 0) {
                text.append(' ');
            }
            text.append(String.format("%02x", b & 0xff));
        }
        return text.toString();
    }
}
