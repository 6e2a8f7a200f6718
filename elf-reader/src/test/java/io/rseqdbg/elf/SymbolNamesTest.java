package io.rseqdbg.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.elf.Specimens.Build;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link RseqTables#nameOf} and {@link RseqTables#symbolOf}: every function byte named as nm names it. */
class SymbolNamesTest {

    /** First, middle and last byte of every sized function nm lists, each named as nm allows. */
    private static void assertEveryFunctionNamedAsNmNamesIt(Path file, boolean dynamic) throws ElfReadException {
        List<Nm.Symbol> functions = Nm.functions(file, dynamic);
        assertFalse(functions.isEmpty(), "nm lists no function in " + file);
        RseqTables tables = RseqTables.read(file);
        for (Nm.Symbol f : functions) {
            for (long address : new long[] {f.value(), f.value() + f.size() / 2, f.value() + f.size() - 1}) {
                Set<String> allowed = Nm.namesOf(functions, address);
                String name = tables.symbolOf(address);
                assertTrue(allowed.contains(name), "0x" + Long.toHexString(address) + " named " + name
                        + ", nm allows " + allowed);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Build.class, names = {"X86_64_PIE", "X86_64_STATIC", "X86_64_SHARED", "I386_PIE",
            "AARCH64_PIE", "PPC_EXEC", "S390X_PIE"})
    void everyFunctionByteIsNamedAfterTheFunctionNmPutsThere(Build build) throws ElfReadException {
        assertEveryFunctionNamedAsNmNamesIt(build.path(), false);
    }

    @Test
    void aStrippedLibraryIsNamedFromItsDynamicSymbols() throws ElfReadException {
        Path libc = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
        assertTrue(Specimens.run(List.of("nm", libc.toString())).contains("no symbols"), "libc.so.6 is not stripped here");
        assertEveryFunctionNamedAsNmNamesIt(libc, true);
    }

    @Test
    void aFunctionsFirstByteIsNamedWithoutAnOffset() throws ElfReadException {
        Path file = Build.X86_64_PIE.path();
        long main = Readelf.symbol(file, "main");
        assertEquals("main", RseqTables.read(file).symbolOf(main));
        assertEquals("main+1", RseqTables.read(file).symbolOf(main + 1));
    }

    @Test
    void anAddressNoSymbolHoldsIsNamedAfterTheFileAndItsLinkTimeAddress() throws ElfReadException {
        // Link-time address 0 of a PIE is its ELF header: in the first segment, in no section, under no symbol.
        Path file = Build.X86_64_PIE.path();
        RseqTables tables = RseqTables.read(file);
        assertNull(tables.symbolOf(0x10));
        assertEquals(file.getFileName() + "+0x10", tables.nameOf(0x10));
    }

    @Test
    void codeAfterALabelOfUnknownExtentIsNamedAfterTheLabel() throws ElfReadException {
        Path file = Specimens.unnamed();
        long label = Readelf.symbol(file, "label");
        assertEquals("label", RseqTables.read(file).symbolOf(label));
        assertEquals("label+1", RseqTables.read(file).symbolOf(label + 1));
    }

    @Test
    void codeInASectionWithoutSymbolsIsNamedAfterTheFile() throws ElfReadException {
        // TARGETS.md: abort handlers live in __rseq_failure, which has no symbols; the label before
        // the section is in .text and must not lend the handlers its name.
        Path file = Specimens.unnamed();
        long handler = section(file, "__rseq_failure") + 7;
        RseqTables tables = RseqTables.read(file);
        assertNull(tables.symbolOf(handler));
        assertEquals("unnamed+0x" + Long.toHexString(handler), tables.nameOf(handler));
    }

    /** The address of a section, from readelf -SW. */
    private static long section(Path file, String name) {
        for (String line : Specimens.run(List.of("readelf", "-SW", file.toString())).split("\n")) {
            String[] words = line.replaceFirst("^\\s*\\[\\s*\\d+]", "").trim().split("\\s+");
            if (words.length > 2 && words[0].equals(name)) {
                return Long.parseUnsignedLong(words[2], 16);
            }
        }
        throw new AssertionError("readelf -SW lists no " + name + " in " + file);
    }
}
