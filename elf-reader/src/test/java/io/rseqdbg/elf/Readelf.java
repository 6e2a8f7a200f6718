package io.rseqdbg.elf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Facts about a file from binutils' readelf: the independent source of every expected value. Kept
 * here rather than in the {@code tests} module's {@code support.Binutils}, which elf-reader's unit
 * tests cannot reach ({@code tests} depends on elf-reader).
 */
final class Readelf {

    private Readelf() {
    }

    /** Symbol name to value, from {@code readelf -sW} (.symtab and .dynsym). */
    static Map<String, Long> symbols(Path file) {
        Map<String, Long> out = new HashMap<>();
        Pattern line = Pattern.compile("^\\s*\\d+:\\s+([0-9a-f]+)\\s+\\d+\\s+\\w+\\s+\\w+\\s+\\w+\\s+\\S+\\s+(\\S+)$");
        for (String l : Specimens.run(List.of("readelf", "-sW", file.toString())).split("\n")) {
            Matcher m = line.matcher(l);
            if (m.matches()) {
                out.putIfAbsent(m.group(2), Long.parseUnsignedLong(m.group(1), 16));
            }
        }
        return out;
    }

    static long symbol(Path file, String name) {
        Long v = symbols(file).get(name);
        if (v == null) {
            throw new AssertionError("readelf finds no symbol " + name + " in " + file);
        }
        return v;
    }

    /** Offsets of every dynamic relocation, RELA/REL lines and decoded RELR lists alike, from {@code readelf -rW}. */
    static List<Long> relocatedOffsets(Path file) {
        List<Long> out = new ArrayList<>();
        Pattern entry = Pattern.compile("^([0-9a-f]{8,16})(\\s+[0-9a-f]+\\s+R_\\S+.*)?$");
        for (String l : Specimens.run(List.of("readelf", "-rW", file.toString())).split("\n")) {
            Matcher m = entry.matcher(l.trim());
            if (m.matches()) {
                out.add(Long.parseUnsignedLong(m.group(1), 16));
            }
        }
        return out;
    }

    /** {@code length} bytes of section {@code section} at {@code address}, from {@code readelf -x}. */
    static byte[] bytes(Path file, String section, long address, int length) {
        Map<Long, Byte> byAddress = new HashMap<>();
        Pattern row = Pattern.compile("^\\s*0x([0-9a-f]+)\\s+((?:[0-9a-f]{2,8}\\s){1,4})");
        for (String l : Specimens.run(List.of("readelf", "-x", section, file.toString())).split("\n")) {
            Matcher m = row.matcher(l);
            if (m.find()) {
                long a = Long.parseUnsignedLong(m.group(1), 16);
                String hex = m.group(2).replaceAll("\\s", "");
                for (int i = 0; i + 2 <= hex.length(); i += 2) {
                    byAddress.put(a + i / 2, (byte) Integer.parseInt(hex.substring(i, i + 2), 16));
                }
            }
        }
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            Byte b = byAddress.get(address + i);
            if (b == null) {
                throw new AssertionError("readelf -x " + section + " shows no byte at 0x" + Long.toHexString(address + i));
            }
            out[i] = b;
        }
        return out;
    }
}
