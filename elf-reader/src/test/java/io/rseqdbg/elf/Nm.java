package io.rseqdbg.elf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Defined symbols as binutils' {@code nm -S} lists them: the expected side of the symbolizer tests.
 * A copy of its own, not the {@code tests} module's {@code support.Binutils}: {@code tests} depends
 * on elf-reader, so elf-reader's unit tests cannot use it (Maven allows no cycle).
 */
final class Nm {

    /** One symbol; {@code size} 0 where nm prints none, the version suffix ({@code @@GLIBC_2.2.5}) cut off. */
    record Symbol(String name, long value, long size, char type) {

        boolean isCode() {
            return CODE.contains(Character.toUpperCase(type));
        }

        boolean covers(long address) {
            return Long.compareUnsigned(address - value, size) < 0;
        }
    }

    private static final Set<Character> CODE = Set.of('T', 'W', 'I');

    private Nm() {
    }

    /** {@code nm -S --defined-only}, or {@code nm -D ...} for the dynamic symbols. */
    static List<Symbol> symbols(Path file, boolean dynamic) {
        List<String> command = new ArrayList<>(List.of("nm", "-S", "--defined-only"));
        if (dynamic) {
            command.add("-D");
        }
        command.add(file.toString());
        Pattern sized = Pattern.compile("^([0-9a-f]+) ([0-9a-f]+) (\\S) (\\S+)$");
        Pattern unsized = Pattern.compile("^([0-9a-f]+) (\\S) (\\S+)$");
        List<Symbol> out = new ArrayList<>();
        for (String line : Specimens.run(command).split("\n")) {
            Matcher m = sized.matcher(line);
            if (m.matches()) {
                out.add(new Symbol(unversioned(m.group(4)), hex(m.group(1)), hex(m.group(2)), m.group(3).charAt(0)));
            } else if ((m = unsized.matcher(line)).matches()) {
                out.add(new Symbol(unversioned(m.group(3)), hex(m.group(1)), 0, m.group(2).charAt(0)));
            }
        }
        return out;
    }

    /** Sized code symbols (functions): what a traced pc is named after. */
    static List<Symbol> functions(Path file, boolean dynamic) {
        return symbols(file, dynamic).stream().filter(s -> s.isCode() && s.size() > 0).toList();
    }

    /**
     * The names nm allows for {@code address}: {@code name+offset} of every function whose extent
     * holds it and starts nearest below it (aliases share that start).
     */
    static Set<String> namesOf(List<Symbol> functions, long address) {
        long nearest = functions.stream().filter(s -> s.covers(address)).mapToLong(Symbol::value)
                .reduce(-1L, (a, b) -> a == -1L || Long.compareUnsigned(b, a) > 0 ? b : a);
        Set<String> names = new java.util.TreeSet<>();
        for (Symbol s : functions) {
            if (s.covers(address) && s.value() == nearest) {
                long offset = address - s.value();
                names.add(offset == 0 ? s.name() : s.name() + "+" + offset);
            }
        }
        return names;
    }

    private static String unversioned(String name) {
        int at = name.indexOf('@');
        return at > 0 ? name.substring(0, at) : name;
    }

    private static long hex(String digits) {
        return Long.parseUnsignedLong(digits, 16);
    }
}
