package io.rseqdbg.stepper.replay;

import io.rseqdbg.fuzz.FuzzInput;
import io.rseqdbg.fuzz.Mutations;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * Inputs for the trace reader's fuzz target: real recordings made with {@code rseqdbg record}
 * (test resources; README, "Fuzzing" says how they were made), and deterministic mutations of
 * them — bit flips, truncations, and changes inside a block's payload with the block's length and
 * CRC32 made right again, so that they reach the record parser instead of the checksum.
 */
final class TraceInputs {

    /** The recordings under {@code src/test/resources/io/rseqdbg/stepper/replay/recordings}. */
    static final List<String> RECORDINGS = List.of("counter-1-20.trace", "counter-2-10-slice-2000.trace",
            "list-1-10.trace", "signal-storm-1-4-0-3000.trace", "counter-opv-1-10.trace");

    private TraceInputs() {
    }

    static List<FuzzInput> recordings() {
        List<FuzzInput> out = new ArrayList<>();
        for (String name : RECORDINGS) {
            try (InputStream in = TraceInputs.class.getResourceAsStream("recordings/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("test resource recordings/" + name + " is missing");
                }
                out.add(new FuzzInput(name, in.readAllBytes()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** {@code count} mutations of {@code seeds} ({@link #mutate}), the same every run for the same {@code randomSeed}. */
    static List<FuzzInput> mutations(List<FuzzInput> seeds, int count, long randomSeed) {
        return Mutations.of(seeds, count, randomSeed, TraceInputs::mutate);
    }

    private static final long[] INTERESTING = {0, 1, 0x7f, 0x80, 0xff, 0x7fffffffL, 0x80000000L, 0xffffffffL,
            Long.MAX_VALUE, -1L, 1 << 20, (1 << 20) + 1};

    static byte[] mutate(byte[] original, Random random, StringBuilder what) {
        byte[] b = original.clone();
        int rounds = 1 + random.nextInt(3);
        for (int round = 0; round < rounds && b.length > 0; round++) {
            int choice = random.nextInt(10);
            if (choice == 0) {
                int at = random.nextInt(b.length);
                b[at] ^= (byte) (1 << random.nextInt(8));
                what.append(" flip ").append(at);
            } else if (choice == 1) {
                int length = random.nextInt(b.length);
                b = Arrays.copyOf(b, length);
                what.append(" truncate ").append(length);
            } else {
                List<int[]> blocks = blocks(b); // {start of payload, length}
                if (blocks.isEmpty()) {
                    continue;
                }
                int[] block = blocks.get(random.nextInt(blocks.size()));
                int at = block[0] + random.nextInt(block[1]);
                if (choice < 6) {
                    b[at] = (byte) random.nextInt(256);
                    what.append(" byte ").append(at);
                } else if (choice < 8) {
                    byte[] varint = varint(INTERESTING[random.nextInt(INTERESTING.length)]);
                    b = splice(b, block, at, 1 + random.nextInt(3), varint);
                    what.append(" varint ").append(at);
                } else if (choice == 8) {
                    int cut = 1 + random.nextInt(Math.max(1, Math.min(16, block[0] + block[1] - at)));
                    b = splice(b, block, at, cut, new byte[0]);
                    what.append(" cut ").append(at).append('+').append(cut);
                } else {
                    byte[] copy = Arrays.copyOfRange(b, block[0] - 4, block[0] + block[1] + 4);
                    b = insert(b, block[0] + block[1] + 4, copy);
                    what.append(" repeat-block ").append(block[0]);
                }
                b = withRightChecksums(b);
            }
        }
        return b;
    }

    /** The blocks whose frame lies inside {@code trace}: {start of payload, payload length}. */
    static List<int[]> blocks(byte[] trace) {
        List<int[]> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(trace).order(ByteOrder.LITTLE_ENDIAN);
        int at = TraceFormat.MAGIC.length;
        while (at + 4 <= trace.length) {
            int n = b.getInt(at);
            if (n <= 0 || (long) at + 8 + n > trace.length) {
                break;
            }
            out.add(new int[] {at + 4, n});
            at += 8 + n;
        }
        return out;
    }

    /** A copy with every whole block's CRC32 recomputed. */
    static byte[] withRightChecksums(byte[] trace) {
        byte[] b = trace.clone();
        ByteBuffer buffer = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (int[] block : blocks(b)) {
            CRC32 crc = new CRC32();
            crc.update(b, block[0], block[1]);
            buffer.putInt(block[0] + block[1], (int) crc.getValue());
        }
        return b;
    }

    /** Replaces {@code remove} bytes at {@code at} with {@code with}, inside {@code block}, fixing its length. */
    private static byte[] splice(byte[] b, int[] block, int at, int remove, byte[] with) {
        int end = Math.min(at + remove, block[0] + block[1]);
        int newLength = block[1] - (end - at) + with.length;
        if (newLength <= 0) {
            return b;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + with.length);
        out.write(b, 0, at);
        out.write(with, 0, with.length);
        out.write(b, end, b.length - end);
        byte[] result = out.toByteArray();
        ByteBuffer.wrap(result).order(ByteOrder.LITTLE_ENDIAN).putInt(block[0] - 4, newLength);
        return result;
    }

    private static byte[] insert(byte[] b, int at, byte[] what) {
        byte[] result = new byte[b.length + what.length];
        System.arraycopy(b, 0, result, 0, at);
        System.arraycopy(what, 0, result, at, what.length);
        System.arraycopy(b, at, result, at + what.length, b.length - at);
        return result;
    }

    private static byte[] varint(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TraceFormat.putVarint(out, value);
        return out.toByteArray();
    }

    /** Writes a failing input where it can be moved to TraceReaderFuzzTestInputs as a regression input. */
    static Path keep(FuzzInput m) {
        return FuzzInput.keep(m.name(), TraceReaderFuzzTest.withMode(m.bytes(), false));
    }
}
