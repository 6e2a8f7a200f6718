package io.rseqdbg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rseqdbg table} and {@code rseqdbg check} on programs built from elf-reader's specimen
 * sources; expected addresses come from nm, the JSON is read back by Python's json module (the
 * gdb bridge's reader).
 */
class TableAndCheckCommandTest {

    private static final Path SPECIMENS = Path.of("../elf-reader/src/test/resources/specimens").toAbsolutePath();

    @TempDir
    static Path dir;
    static Path program;
    static Path badSignature;
    static Map<String, Long> symbols;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void build() throws Exception {
        program = dir.resolve("tables");
        run("gcc", "-o", program.toString(), SPECIMENS.resolve("tables.c").toString());
        badSignature = dir.resolve("bad-signature");
        run("gcc", "-DDEFECT_signature", "-o", badSignature.toString(), SPECIMENS.resolve("bad.c").toString());
        symbols = new HashMap<>();
        for (String line : run("nm", program.toString()).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3) {
                symbols.put(f[2], Long.parseUnsignedLong(f[0], 16));
            }
        }
    }

    private int rseqdbg(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static String hex(String symbol) {
        return "0x" + Long.toHexString(symbols.get(symbol));
    }

    @Test
    void tablePrintsOneRowPerCriticalSectionWithHexAddresses() {
        assertEquals(0, rseqdbg("table", program.toString()));
        List<String> rows = out().lines().filter(l -> l.contains("__rseq_cs") || l.contains(".data")).toList();
        assertEquals(3, rows.size(), out());
        String add = rows.stream().filter(r -> r.contains("cs_add+")).findFirst().orElseThrow();
        List<String> cells = Arrays.asList(add.trim().split("\\s+"));
        long offset = symbols.get("cs_add_start") - symbols.get("cs_add");
        assertEquals(List.of("cs_add+" + offset, hex("cs_add_start"), hex("cs_add_post"), hex("cs_add_abort"),
                hex("cs_add_exit"), "__rseq_cs", "x86-64"), cells);
    }

    @Test
    void tableJsonIsReadByPythonWithTheDocumentedFields() throws Exception {
        assertEquals(0, rseqdbg("table", "--json", program.toString()));
        Path json = Files.writeString(dir.resolve("table.json"), out());
        String script = "import json,sys\n"
                + "d=json.load(open(sys.argv[1]))\n"
                + "f=d['files'][0]\n"
                + "print(f['file'],f['architecture'],f['elfClass'],f['byteOrder'],f['positionIndependent'],len(d['errors']))\n"
                + "for c in f['criticalSections']:\n"
                + "  print(c['name'],c['start'],c['postCommit'],c['postCommitOffset'],c['abort'],','.join(c['exits']),"
                + "c['section'],c['descriptor'],c['architecture'],c['version'],c['flags'])\n";
        List<String> lines = run("python3", "-c", script, json.toString()).lines().toList();
        assertEquals(program + " x86-64 64 little True 0", lines.get(0));
        long offset = symbols.get("cs_add_start") - symbols.get("cs_add");
        long length = symbols.get("cs_add_post") - symbols.get("cs_add_start");
        assertEquals(String.join(" ", "cs_add+" + offset, hex("cs_add_start"), hex("cs_add_post"),
                "0x" + Long.toHexString(length), hex("cs_add_abort"), hex("cs_add_exit"), "__rseq_cs", hex("cs_add_cs"),
                "x86-64", "0", "0"), lines.get(1));
        assertEquals(4, lines.size());
    }

    @Test
    void checkExitsZeroForCleanTables() {
        assertEquals(0, rseqdbg("check", program.toString()));
        assertEquals(program + ": ok (3 critical sections)", out().trim());
    }

    @Test
    void checkExitsOneAndNamesTheProblem() {
        assertEquals(1, rseqdbg("check", program.toString(), badSignature.toString()));
        assertTrue(out().contains(badSignature + ": 1 problem"), out());
        assertTrue(out().contains("signature: odd+"), out());
    }

    @Test
    void checkJsonCountsProblems() throws Exception {
        assertEquals(1, rseqdbg("check", "--json", badSignature.toString()));
        Path json = Files.writeString(dir.resolve("check.json"), out());
        String script = "import json,sys\nd=json.load(open(sys.argv[1]))\np=d['files'][0]['problems']\n"
                + "print(d['problemCount'],p[0]['kind'],p[0]['address'])\n";
        assertEquals("1 signature " + "0x" + Long.toHexString(nm(badSignature, "odd_cs")),
                run("python3", "-c", script, json.toString()).trim());
    }

    @Test
    void aMissingFileIsOneLineOnStderrAndExitTwo() {
        assertEquals(2, rseqdbg("table", program.toString(), "/no/such/file"));
        assertEquals("rseqdbg table: /no/such/file: no such file", err().trim());
        assertTrue(out().contains("cs_add+"), "the readable file is still listed");
    }

    @Test
    void aTruncatedFileIsOneLineOnStderrAndExitTwoForCheckToo() throws IOException {
        byte[] bytes = Files.readAllBytes(program);
        Path cut = Files.write(dir.resolve("cut"), Arrays.copyOf(bytes, bytes.length / 2));
        assertEquals(2, rseqdbg("check", cut.toString()));
        assertEquals(1, err().lines().count(), err());
        assertTrue(err().startsWith("rseqdbg check: " + cut + ": "), err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"table", "check"})
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFifoIsRefusedAtOnceWithOneTrueLineAndExitTwo(String command) throws Exception {
        Path fifo = dir.resolve("fifo-" + command);
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor());
        assertEquals(2, rseqdbg(command, fifo.toString()));
        assertEquals("rseqdbg " + command + ": " + fifo + ": not a regular file (a FIFO)\n", err());
        assertEquals("", out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"table", "check"})
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aDirectoryIsRefusedWithOneTrueLineAndExitTwo(String command) {
        assertEquals(2, rseqdbg(command, dir.toString()));
        assertEquals("rseqdbg " + command + ": " + dir + ": is a directory\n", err());
    }

    @Test
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aDirectoryInJsonIsListedUnderErrors() {
        assertEquals(2, rseqdbg("table", "--json", dir.toString()));
        assertTrue(out().contains("\"problem\":\"is a directory\""), out());
    }

    @Test
    void noFileIsAUsageError() {
        assertEquals(2, rseqdbg("table"));
        assertTrue(err().contains("no FILE given"), err());
    }

    @Test
    void helpListsTheJsonOption() {
        assertEquals(0, rseqdbg("check", "--help"));
        assertTrue(out().contains("--json"), out());
    }

    private static long nm(Path file, String symbol) throws Exception {
        for (String line : run("nm", file.toString()).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && f[2].equals(symbol)) {
                return Long.parseUnsignedLong(f[0], 16);
            }
        }
        throw new AssertionError(symbol);
    }

    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + text);
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
