package io.rseqdbg.tests.support;

import io.rseqdbg.tests.support.Targets.Run;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What binutils' {@code nm} and {@code readelf} say about a file: the independent source of every
 * expected value in the ELF tests and of the addresses the tracer tests plant breakpoints at.
 * Nothing here uses the reader under test. The one binutils wrapper of the {@code tests} module;
 * elf-reader's and stepper's own unit tests keep small ones of their own (elf-reader's
 * {@code Nm}/{@code Readelf}, stepper's {@code TableAndCheckCommandTest}) because this module
 * depends on theirs, not the other way round.
 */
public final class Binutils {

    /** One defined symbol from {@code nm -S}; size 0 when nm prints none. */
    public record Symbol(String name, long value, long size, char type) {

        public boolean isFunction() {
            return type == 'T' || type == 't' || type == 'W' || type == 'i';
        }

        public boolean covers(long address) {
            return Long.compareUnsigned(address - value, size) < 0;
        }
    }

    /** One row of {@code readelf -SW}. */
    public record Section(String name, String type, long address, long offset, long size) {

        public boolean contains(long a) {
            return Long.compareUnsigned(a - address, size) < 0;
        }
    }

    /**
     * One dynamic relocation from {@code readelf -rW}: {@code addend} is null for REL entries and
     * for RELR ones (type "RELR"), whose addend is the word in the file.
     */
    public record Relocation(long offset, String type, Long addend, String section) {

        public boolean relative() {
            return type.endsWith("_RELATIVE") || type.equals("RELR");
        }
    }

    private Binutils() {
    }

    public static String run(String... command) {
        Run run = Targets.command(command[0], java.util.Arrays.copyOfRange(command, 1, command.length)).run();
        return run.requireExit(0).stdout();
    }

    /** Defined symbols, from {@code nm -S --defined-only} (.symtab, or .dynsym with -D). */
    public static List<Symbol> symbols(Path file, boolean dynamic) {
        List<Symbol> out = new ArrayList<>();
        Pattern sized = Pattern.compile("^([0-9a-f]+) ([0-9a-f]+) (\\S) (\\S+)$");
        Pattern unsized = Pattern.compile("^([0-9a-f]+) (\\S) (\\S+)$");
        String listing = dynamic ? run("nm", "-S", "-D", "--defined-only", file.toString())
                : run("nm", "-S", "--defined-only", file.toString());
        for (String line : listing.split("\n")) {
            Matcher m = sized.matcher(line);
            if (m.matches()) {
                out.add(new Symbol(m.group(4), hex(m.group(1)), hex(m.group(2)), m.group(3).charAt(0)));
                continue;
            }
            m = unsized.matcher(line);
            if (m.matches()) {
                out.add(new Symbol(m.group(3), hex(m.group(1)), 0, m.group(2).charAt(0)));
            }
        }
        return out;
    }

    public static List<Symbol> symbols(Path file) {
        return symbols(file, false);
    }

    public static long symbol(Path file, String name) {
        return symbols(file).stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("nm finds no symbol " + name + " in " + file)).value();
    }

    /** The function symbol whose extent holds {@code address}. */
    public static Optional<Symbol> functionContaining(List<Symbol> symbols, long address) {
        return symbols.stream().filter(s -> s.isFunction() && s.covers(address)).findFirst();
    }

    /** Section headers by name, from {@code readelf -SW}. */
    public static Map<String, Section> sections(Path file) {
        Map<String, Section> out = new LinkedHashMap<>();
        Pattern row = Pattern.compile("^\\s*\\[\\s*(\\d+)]\\s+(\\S+)\\s+(\\S+)\\s+([0-9a-f]+)\\s+([0-9a-f]+)\\s+([0-9a-f]+)\\s");
        for (String line : run("readelf", "-SW", file.toString()).split("\n")) {
            Matcher m = row.matcher(line);
            if (m.find() && !m.group(1).equals("0")) {
                out.putIfAbsent(m.group(2), new Section(m.group(2), m.group(3), hex(m.group(4)), hex(m.group(5)),
                        hex(m.group(6))));
            }
        }
        return out;
    }

    /** The whole contents of {@code section}, from {@code readelf -x}, in file order. */
    public static byte[] contents(Path file, String section) {
        Map<Long, Byte> byAddress = new HashMap<>();
        long first = Long.MAX_VALUE;
        Pattern row = Pattern.compile("^\\s*0x([0-9a-f]+)\\s+((?:[0-9a-f]{2,8}\\s){1,4})");
        for (String line : run("readelf", "-x", section, file.toString()).split("\n")) {
            Matcher m = row.matcher(line);
            if (m.find()) {
                long a = hex(m.group(1));
                first = Math.min(first, a);
                String digits = m.group(2).replaceAll("\\s", "");
                for (int i = 0; i + 2 <= digits.length(); i += 2) {
                    byAddress.put(a + i / 2, (byte) Integer.parseInt(digits.substring(i, i + 2), 16));
                }
            }
        }
        byte[] out = new byte[byAddress.size()];
        for (int i = 0; i < out.length; i++) {
            Byte b = byAddress.get(first + i);
            if (b == null) {
                throw new AssertionError("readelf -x " + section + " has a hole at 0x" + Long.toHexString(first + i));
            }
            out[i] = b;
        }
        return out;
    }

    /** Every dynamic relocation: REL and RELA rows, and the offsets readelf decodes from RELR. */
    public static List<Relocation> relocations(Path file) {
        List<Relocation> out = new ArrayList<>();
        Pattern header = Pattern.compile("^Relocation section '([^']+)'");
        Pattern entry = Pattern.compile("^([0-9a-f]+)\\s+([0-9a-f]+)\\s+(R_\\S+)\\s*(.*)$");
        Pattern packed = Pattern.compile("^([0-9a-f]{8,16})(\\s.*)?$");
        String section = "";
        for (String raw : run("readelf", "-rW", file.toString()).split("\n")) {
            String line = raw.trim();
            Matcher h = header.matcher(line);
            if (h.find()) {
                section = h.group(1);
                continue;
            }
            Matcher m = entry.matcher(line);
            if (m.matches()) {
                String rest = m.group(4).trim();
                Long addend = null;
                if (rest.matches("[0-9a-f]+")) {
                    addend = hex(rest); // RELA without a symbol: readelf prints the addend alone
                } else if (rest.matches(".* [+-] [0-9a-f]+")) {
                    String[] words = rest.split(" ");
                    long value = hex(words[words.length - 1]);
                    addend = words[words.length - 2].equals("-") ? -value : value;
                }
                out.add(new Relocation(hex(m.group(1)), m.group(3), addend, section));
                continue;
            }
            m = packed.matcher(line);
            if (section.startsWith(".relr") && m.matches()) {
                out.add(new Relocation(hex(m.group(1)), "RELR", null, section));
            }
        }
        return out;
    }

    /** ELF class and byte order, from {@code readelf -h}. */
    public record Header(boolean is64, ByteOrder order, String type, String machine) {
    }

    public static Header header(Path file) {
        String text = run("readelf", "-hW", file.toString());
        return new Header(text.contains("ELF64"), text.contains("big endian") ? ByteOrder.BIG_ENDIAN
                : ByteOrder.LITTLE_ENDIAN, field(text, "Type:"), field(text, "Machine:"));
    }

    private static String field(String text, String name) {
        return text.lines().map(String::trim).filter(l -> l.startsWith(name)).findFirst()
                .map(l -> l.substring(name.length()).trim()).orElse("");
    }

    public static ByteBuffer wrap(byte[] bytes, ByteOrder order) {
        return ByteBuffer.wrap(bytes).order(order);
    }

    public static long hex(String digits) {
        return Long.parseUnsignedLong(digits, 16);
    }
}
