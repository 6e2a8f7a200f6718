package io.rseqdbg.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * mvn -Pbench verify: a generated PIE of 100+ MB holding 10,000+ critical sections (every pointer a
 * RELATIVE relocation); the time to read all its tables beside readelf dumping the same sections,
 * relocations and symbols, in one run: cold (a fresh JVM; the first read in this one) and warm.
 */
@Tag("bench")
class TableReadBenchmark {

    private static final int SECTIONS = 12_000;
    /** Code between critical sections, so that the file passes 100 MB. */
    private static final int PADDING = 9_000;

    @Test
    void readAllTablesOfAHundredMegabyteFileAndCompareWithReadelf() throws Exception {
        Path dir = Files.createDirectories(Specimens.OUT.resolve("bench"));
        Path program = dir.resolve("many-sections");
        if (!Files.exists(program)) {
            generate(dir, program);
        }
        long size = Files.size(program);
        assertTrue(size >= 100_000_000L, "file is " + size + " bytes");

        // A fresh JVM with nothing on its class path but the reader and this class: what a CLI run pays.
        String classPath = codeSource(RseqTables.class) + java.io.File.pathSeparator + codeSource(TableReadBenchmark.class);
        Process fresh = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                classPath, TableReadBenchmark.class.getName(), program.toString())
                .redirectErrorStream(true).start();
        String freshOutput = new String(fresh.getInputStream().readAllBytes()).trim();
        assertTrue(fresh.waitFor(120, TimeUnit.SECONDS) && fresh.exitValue() == 0, freshOutput);
        long freshNanos = Long.parseLong(freshOutput.split(" ")[0]);
        long freshCpuNanos = Long.parseLong(freshOutput.split(" ")[1]);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();

        long t0 = System.nanoTime();
        long c0 = threads.getCurrentThreadCpuTime();
        RseqTables first = RseqTables.read(program);
        long firstNanos = System.nanoTime() - t0;
        long firstCpuNanos = threads.getCurrentThreadCpuTime() - c0;
        assertEquals(SECTIONS, first.criticalSections().size());
        assertEquals(List.of(), first.problems());
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            long t = System.nanoTime();
            RseqTables.read(program);
            best = Math.min(best, System.nanoTime() - t);
        }

        long readelfFirst = 0;
        long readelfBest = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t = System.nanoTime();
            Process p = new ProcessBuilder("readelf", "-W", "-r", "-s", "-x", "__rseq_cs", "-x", "__rseq_cs_ptr_array",
                    "-x", "__rseq_exit_point_array", program.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "readelf failed");
            long elapsed = System.nanoTime() - t;
            readelfFirst = i == 0 ? elapsed : readelfFirst;
            readelfBest = Math.min(readelfBest, elapsed);
        }

        // The trace names every stepped pc: runs of consecutive instructions in one function after another.
        List<CriticalSection> sections = first.criticalSections();
        int lookups = 0;
        long sink = 0;
        long t = System.nanoTime();
        for (int i = 0; i < 20_000; i++) {
            long function = sections.get((int) ((i * 7919L) % sections.size())).start();
            for (int pc = 0; pc < 50; pc++) {
                sink += first.nameOf(function + pc).length();
                lookups++;
            }
        }
        double nanosPerName = (System.nanoTime() - t) / (double) lookups;
        assertTrue(sink > 0);

        System.out.printf("BENCH table read: %,d bytes, %,d critical sections, %,d exit points; load average %s%n",
                size, first.criticalSections().size(), first.exitPoints().size(), loadAverage());
        System.out.printf("BENCH | %-42s | %-24s | %-11s |%n", "reading every rseq table", "cold: wall (reader's CPU)",
                "warm: wall");
        System.out.printf("BENCH | %-42s | %8.1f ms (%6.1f ms) | %11s |%n", "rseqdbg RseqTables.read in a fresh JVM",
                freshNanos / 1e6, freshCpuNanos / 1e6, "");
        System.out.printf("BENCH | %-42s | %8.1f ms (%6.1f ms) | %8.1f ms |%n", "rseqdbg RseqTables.read, 1st / best of 10",
                firstNanos / 1e6, firstCpuNanos / 1e6, best / 1e6);
        System.out.printf("BENCH | %-42s | %8.1f ms %11s | %8.1f ms |%n", "readelf -r -s -x (3 sections), 1st / of 5",
                readelfFirst / 1e6, "", readelfBest / 1e6);
        System.out.printf("BENCH symbol+offset of a pc (RseqTables.nameOf, warm, runs of 50 pcs): %.0f ns each%n",
                nanosPerName);
    }

    /** One cold read in a fresh JVM: prints its wall and CPU nanoseconds. */
    public static void main(String[] args) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long t = System.nanoTime();
        long c = threads.getCurrentThreadCpuTime();
        RseqTables tables = RseqTables.read(Path.of(args[0]));
        long cpu = threads.getCurrentThreadCpuTime() - c;
        long elapsed = System.nanoTime() - t;
        if (tables.criticalSections().size() != SECTIONS) {
            throw new AssertionError(tables.criticalSections().size() + " critical sections");
        }
        System.out.println(elapsed + " " + cpu);
    }

    /** Other work on the machine inflates cold times most: the JIT compiles in threads of its own. */
    private static String loadAverage() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return fields[0] + " (" + Runtime.getRuntime().availableProcessors() + " cpus)";
    }

    private static String codeSource(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** One assembly file: SECTIONS functions, each a critical section with its tables and PADDING bytes of int3. */
    private static void generate(Path dir, Path program) throws IOException {
        Path asm = dir.resolve("many-sections.s");
        try (Writer w = Files.newBufferedWriter(asm)) {
            for (int i = 0; i < SECTIONS; i++) {
                String n = "cs" + i;
                w.write(".text\n.globl " + n + "\n.type " + n + ",@function\n" + n + ":\n nop\n" + n + "_start:\n"
                        + " mov $1,%eax\n test %eax,%eax\n jz " + n + "_exit\n add $2,%eax\n" + n + "_post:\n ret\n"
                        + n + "_exit:\n ret\n .byte 0x0f,0xb9,0x3d\n .long 0x53053053\n" + n + "_abort:\n ret\n"
                        + ".size " + n + ",.-" + n + "\n .skip " + PADDING + ",0xcc\n"
                        + ".pushsection __rseq_cs,\"aw\"\n.balign 32\n" + n + "_cs:\n .long 0,0\n .quad " + n
                        + "_start," + n + "_post-" + n + "_start," + n + "_abort\n.popsection\n"
                        + ".pushsection __rseq_cs_ptr_array,\"aw\"\n .quad " + n + "_cs\n.popsection\n"
                        + ".pushsection __rseq_exit_point_array,\"aw\"\n .quad " + n + "_start," + n + "_exit\n.popsection\n");
            }
            w.write(".text\n.globl main\nmain:\n xor %eax,%eax\n ret\n.section .note.GNU-stack,\"\",@progbits\n");
        }
        Specimens.run(List.of("gcc", "-pie", "-o", program.toString(), asm.toString()));
        Files.delete(asm);
    }
}
