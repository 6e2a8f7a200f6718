package io.rseqdbg.stepper.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.stepper.Outcome;
import io.rseqdbg.stepper.SyscallAnswer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceFormatTest {

    private static final TraceRecord.Header HEADER = new TraceRecord.Header(TraceFormat.VERSION, "test",
            List.of("/bin/prog", "1", "ä"), "/tmp", "6.18.0", 2, 1, "skip", 10_000, 100);

    private static List<TraceRecord> records(int n) {
        List<TraceRecord> list = new ArrayList<>();
        list.add(new TraceRecord.Module(1, "/bin/prog", "ab".repeat(32), "cd".repeat(32)));
        list.add(new TraceRecord.ThreadStart(0, 0, -1));
        for (int i = 0; i < n; i++) {
            int thread = i % 3;
            long count = 1000L * i + thread;
            list.add(new TraceRecord.Enter(thread, count, 1, 0x1234, i % 2));
            list.add(new TraceRecord.Leave(thread, count + 5, Outcome.values()[i % 4], 1, 0x1234, 0x1230 + i % 40));
            if (i % 5 == 0) {
                // clock_gettime with the bytes it stored; a failed open with a negative result
                list.add(new TraceRecord.Syscall(thread, count + 2, 228, List.of(1L, 0x7fff_ffff_e2f0L, 0L, -1L, 7L, 0L),
                        0, List.of(new SyscallAnswer.Output(1, new byte[] {1, 2, 3, (byte) i}))));
                list.add(new TraceRecord.Syscall(thread, count + 3, 257, List.of(-100L, 0x4000L, 0L, 0L, 0L, 0L), -2,
                        List.of()));
            }
            if (i % 7 == 0) {
                list.add(new TraceRecord.Signal(thread, count + 5, 14));
                list.add(new TraceRecord.Slice(thread, 10_000, i % 2 == 0, false, (thread + 1) % 3));
            }
        }
        list.add(new TraceRecord.ThreadExit(0, Long.MAX_VALUE / 2));
        list.add(new TraceRecord.Exit(128 + 9, 9));
        return list;
    }

    private static byte[] write(List<TraceRecord> records) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TraceOutput out = new TraceOutput(bytes)) {
            out.write(HEADER);
            records.forEach(out::write);
        }
        return bytes.toByteArray();
    }

    private static List<TraceRecord> read(byte[] bytes) {
        List<TraceRecord> list = new ArrayList<>();
        try (TraceReader in = new TraceReader(new ByteArrayInputStream(bytes), "t")) {
            assertEquals(HEADER, in.header());
            for (TraceRecord r; (r = in.next()) != null; ) {
                list.add(r);
            }
            assertNull(in.next());
        }
        return list;
    }

    @Test
    void everyRecordComesBackAsWrittenAcrossManyBlocks() {
        List<TraceRecord> records = records(20_000);
        byte[] bytes = write(records);
        assertTrue(bytes.length > 3 * TraceFormat.FLUSH_AT, "several blocks: " + bytes.length);
        assertEquals(records, read(bytes));
    }

    @Test
    void deltaCodedCountsKeepRecordsSmall() {
        byte[] bytes = write(records(10_000));
        // ~2.7 records per pass, a fifth of them system calls with six arguments: under 12 bytes a record
        assertTrue(bytes.length < 10_000 * 2.7 * 12, bytes.length + " bytes");
    }

    @Test
    void aFlippedByteAnywhereAfterTheMagicIsRecognised() {
        byte[] good = write(records(2_000));
        for (int at : new int[] {TraceFormat.MAGIC.length + 6, good.length / 2, good.length - 6, good.length - 1}) {
            byte[] bad = good.clone();
            bad[at] ^= 0x10;
            TraceException e = assertThrows(TraceException.class, () -> read(bad), "flip at " + at);
            assertTrue(e.getMessage().contains("damaged") || e.getMessage().contains("truncated"), e.getMessage());
        }
    }

    @Test
    void aTraceCutAnywhereIsTruncatedNeverMisread() {
        byte[] good = write(records(2_000));
        for (int length : new int[] {TraceFormat.MAGIC.length, TraceFormat.MAGIC.length + 3, good.length / 3,
                good.length - 5, good.length - 1}) {
            byte[] cut = Arrays.copyOf(good, length);
            TraceException e = assertThrows(TraceException.class, () -> read(cut), "cut at " + length);
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }
    }

    @Test
    void emptyAndForeignFilesSaySo() {
        TraceException empty = assertThrows(TraceException.class, () -> read(new byte[0]));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
        TraceException foreign = assertThrows(TraceException.class,
                () -> read("#!/bin/sh\necho not a trace\n".getBytes()));
        assertTrue(foreign.getMessage().contains("not an rseqdbg trace"), foreign.getMessage());
    }

    @Test
    void anotherFormatVersionIsRefused() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TraceOutput out = new TraceOutput(bytes)) {
            out.write(new TraceRecord.Header(99, "x", List.of("p"), "/", "k", 1, 0, "skip", 1, 1));
        }
        TraceException e = assertThrows(TraceException.class, () -> read(bytes.toByteArray()));
        assertTrue(e.getMessage().contains("version 99"), e.getMessage());
    }

    @Test
    void theEnvironmentAndTheChaosSeedComeBackFromTheHeader() {
        TraceRecord.Header h = new TraceRecord.Header(TraceFormat.VERSION, "test", List.of("p"), "/tmp", "k", 2, 0,
                "inside", 500, 20, List.of("A=1", "PATH=/bin", "Z="), true, -42);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TraceOutput out = new TraceOutput(bytes)) {
            out.write(h);
        }
        TraceReader reader = new TraceReader(new ByteArrayInputStream(bytes.toByteArray()), "mem");
        assertEquals(h, reader.header());
        assertTrue(reader.header().hasEnvironment());
    }

    @Test
    void aVersion1TraceIsStillReadWithoutEnvironmentOrChaos() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TraceOutput out = new TraceOutput(bytes)) {
            out.write(new TraceRecord.Header(1, "old", List.of("p"), "/", "k", 1, 0, "skip", 1, 1));
            out.write(new TraceRecord.Exit(0, 0));
        }
        TraceReader reader = new TraceReader(new ByteArrayInputStream(bytes.toByteArray()), "mem");
        assertEquals(1, reader.header().formatVersion());
        assertTrue(reader.header().environment().isEmpty());
        assertTrue(!reader.header().hasEnvironment() && !reader.header().chaos());
        assertEquals(new TraceRecord.Exit(0, 0), reader.next());
    }
}
