package io.rseqdbg.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * mvn -Pbench verify: a generated PIE of 100+ MB holding 10,000+ critical sections (every pointer a
 * RELATIVE relocation); the time to read all its tables beside readelf dumping the same sections,
 * relocations and symbols, in one run.
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

        long t0 = System.nanoTime();
        RseqTables first = RseqTables.read(program);
        long firstNanos = System.nanoTime() - t0;
        assertEquals(SECTIONS, first.criticalSections().size());
        assertEquals(List.of(), first.problems());
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            long t = System.nanoTime();
            RseqTables.read(program);
            best = Math.min(best, System.nanoTime() - t);
        }

        long readelfBest = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t = System.nanoTime();
            Process p = new ProcessBuilder("readelf", "-W", "-r", "-s", "-x", "__rseq_cs", "-x", "__rseq_cs_ptr_array",
                    "-x", "__rseq_exit_point_array", program.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "readelf failed");
            readelfBest = Math.min(readelfBest, System.nanoTime() - t);
        }
        System.out.printf("BENCH table read: %,d bytes, %,d critical sections, %,d exit points%n", size,
                first.criticalSections().size(), first.exitPoints().size());
        System.out.printf("BENCH   rseqdbg RseqTables.read: first %.1f ms (cold JIT), best of 10 more %.1f ms (warm)%n",
                firstNanos / 1e6, best / 1e6);
        System.out.printf("BENCH   readelf -r -s -x (3 table sections): best of 3 %.1f ms%n", readelfBest / 1e6);
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
