package io.rseqdbg.tests.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.rseqdbg.tests.gdb.BridgeJsonInputs.Input;
import io.rseqdbg.tests.support.Json;
import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON the gdb bridge reads (issue 12): {@code rseqdbg table --json}, {@code section --json}
 * and its table cache, damaged in every way {@link BridgeJsonInputs} knows, read by the bridge's
 * own code in a real python3 ({@code bridge_json_fuzz.py}, thousands of inputs per interpreter).
 * Each input gives tables the bridge can act on safely, an ignored cache entry, or one
 * {@code ReaderError} line the bridge prints; never another exception (a traceback in gdb), never
 * more than a few seconds, never anything executed. Plus stand-in readers run as real processes
 * (endless output, a hang, garbage). {@code -Drseqdbg.fuzz.bridgeJson=N} sets the number of
 * inputs (the {@code fuzz} profile: 100,000), {@code -Drseqdbg.fuzz.seed=S} the seed; a failing
 * input is written under tests/target/bridge-json-failures, and kept ones in
 * {@code BridgeJsonFuzzTestInputs/} (named KIND-what.json) are replayed every run.
 */
class BridgeJsonFuzzTest {

    private static final long SEED = Long.getLong("rseqdbg.fuzz.seed", 12);
    private static final int INPUTS = Integer.getInteger("rseqdbg.fuzz.bridgeJson", 2000);
    private static final int BATCH = 5000;
    private static final double SECONDS_PER_INPUT = 5;
    private static final long MAX_RSS_KIB = 1 << 20;
    private static final int MAX_LINE = 4096 + 400;  // the bridge's MAX_TEXT and the words around it
    private static final BigInteger ADDRESS_SPACE = BigInteger.ONE.shiftLeft(64);
    private static final Pattern OUTCOME = Pattern.compile("[a-z][a-z -]{0,31}");

    @TempDir
    static Path scratch;
    private static BridgeJsonInputs inputs;
    private static Path seedFile;

    @BeforeAll
    static void realAnswers() throws IOException {
        Run table = Rseqdbg.launch("table", "--json", Targets.path("counter").toString(),
                Targets.path("list").toString(), Targets.path("libpercpu.so").toString(),
                Targets.path("counter-noexit").toString(), "/nonexistent").run().requireExit(2);
        Run section = Rseqdbg.launch("section", "--json", "--descriptor", "0x4000", "--start", "0x1000",
                "--post-commit-offset", "0x20", "--abort", "0x2000", "--name", "f+3").run().requireExit(0);
        seedFile = Files.writeString(scratch.resolve("seed.json"), table.stdout());
        inputs = new BridgeJsonInputs(SEED, table.stdout(), section.stdout(), scratch.resolve("executed").toString());
    }

    @Test
    void theReadersRealAnswersAreAccepted() throws IOException {
        List<Input> controls = new ArrayList<>(inputs.seeds());
        controls.add(BridgeJsonInputs.processes(seedFile.toString()).get(0));
        List<Map<String, Object>> results = read(controls, "seeds");
        for (Map<String, Object> r : results) {
            assertEquals("tables", r.get("result"), r.toString());
            assertFalse(((List<?>) r.get("sections")).isEmpty(), r.toString());
        }
        assertEquals(List.of("no such file"), results.get(0).get("problems"), "table's own error entry");
    }

    @Test
    void anyDamagedAnswerGivesSafeTablesOrOneLine() throws IOException {
        List<Input> batch = new ArrayList<>(inputs.outsized());
        batch.addAll(BridgeJsonInputs.processes(seedFile.toString()));
        for (int done = 0; done < INPUTS; done++) {
            batch.add(inputs.next());
            if (batch.size() >= BATCH || done == INPUTS - 1) {
                read(batch, "seed " + SEED + " before input " + (done + 1));
                batch.clear();
            }
        }
        assertFalse(Files.exists(scratch.resolve("executed")), "an input's command line was executed");
    }

    @Test
    void keptInputsGiveSafeTablesOrOneLine() throws Exception {
        Path kept = Path.of(BridgeJsonFuzzTest.class.getResource("BridgeJsonFuzzTestInputs").toURI());
        List<Input> batch = new ArrayList<>();
        try (Stream<Path> files = Files.list(kept)) {
            for (Path f : files.sorted().toList()) {
                batch.add(new Input(f.getFileName().toString().split("-")[0], Files.readAllBytes(f)));
            }
        }
        assertTrue(batch.size() >= 5, "the kept inputs are there: " + batch.size());
        List<Map<String, Object>> results = read(batch, "kept inputs");
        assertTrue(results.stream().anyMatch(r -> "error".equals(r.get("result"))), "some kept inputs are rejected");
    }

    /** Runs the bridge's readers on ``batch`` in one python3 and checks every result. */
    private static List<Map<String, Object>> read(List<Input> batch, String what) throws IOException {
        Path file = scratch.resolve("inputs");
        try (OutputStream out = Files.newOutputStream(file)) {
            for (Input input : batch) {
                out.write((input.kind() + " " + input.bytes().length + "\n").getBytes(StandardCharsets.US_ASCII));
                out.write(input.bytes());
            }
        }
        Path driver = scratch.resolve("bridge_json_fuzz.py");
        Files.copy(BridgeJsonFuzzTest.class.getResourceAsStream("bridge_json_fuzz.py"), driver,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        long began = System.nanoTime();
        Run run = Targets.command("python3", driver.toString(),
                        GdbSession.home().resolve("gdb-bridge/src/main/python").toString(), file.toString(),
                        scratch.toString())
                .timeout(Duration.ofSeconds(60 + batch.size() / 10)).run().requireExit(0);
        List<String> lines = run.stdout().lines().toList();
        assertEquals(batch.size() + 1, lines.size(), what + ": one result per input\n" + run.describe());
        List<Map<String, Object>> results = new ArrayList<>();
        for (int n = 0; n < batch.size(); n++) {
            Map<String, Object> r = Json.object(lines.get(n));
            String problem = judge(r);
            if (problem != null) {
                fail(what + ", input " + n + " (" + batch.get(n).kind() + "): " + problem + "\nkept as "
                        + keep(batch.get(n), what.replaceAll("\\W+", "_") + "-" + n) + "\n" + r);
            }
            results.add(r);
        }
        long rss = ((Number) Json.object(lines.get(batch.size())).get("maxRssKiB")).longValue();
        Map<Object, Double> byKind = new java.util.TreeMap<>();
        results.forEach(r -> byKind.merge(r.get("kind"), (Double) r.get("seconds"), Double::sum));
        System.out.printf("BridgeJsonFuzzTest %s: %d inputs (%d MB) read in %.1f s (python3 run), seconds by kind"
                + " %s, peak %d KiB%n", what, batch.size(), Files.size(file) >> 20, (System.nanoTime() - began) / 1e9,
                byKind, rss);
        assertTrue(rss < MAX_RSS_KIB, what + ": the interpreter grew to " + rss + " KiB");
        return results;
    }

    /** Null when ``r`` is a safe result, else what is wrong with it. */
    private static String judge(Map<String, Object> r) {
        if ((Double.valueOf(r.get("seconds").toString())) > SECONDS_PER_INPUT) {
            return "took " + r.get("seconds") + " s";
        }
        switch ((String) r.get("result")) {
            case "error" -> {
                return printableLine((String) r.get("message"));
            }
            case "ignored" -> {
                return null;
            }
            case "tables" -> {
                for (Object p : (List<?>) r.get("problems")) {
                    String bad = printableLine((String) p);
                    if (bad != null) {
                        return "problem " + bad;
                    }
                }
                for (Object s : (List<?>) r.get("sections")) {
                    String bad = safeSection((Map<?, ?>) s);
                    if (bad != null) {
                        return bad;
                    }
                }
                return null;
            }
            default -> {
                return "not a result the bridge handles: " + r.get("message");
            }
        }
    }

    /** A section the bridge may place and guard: in the address space, 1 byte to 1 MiB, no way out inside. */
    private static String safeSection(Map<?, ?> s) {
        String bad = printableLine((String) s.get("name"));
        bad = bad != null ? bad : printableLine((String) s.get("file"));
        if (bad != null) {
            return "a section's name or file: " + bad;
        }
        BigInteger start = address(s.get("start"));
        BigInteger postCommit = address(s.get("postCommit"));
        long length = postCommit.subtract(start).longValue();
        if (postCommit.compareTo(start) <= 0 || length > 1 << 20) {
            return "a section of " + length + " bytes";
        }
        List<BigInteger> all = new ArrayList<>(List.of(start, postCommit, address(s.get("abort"))));
        ((List<?>) s.get("exits")).forEach(e -> all.add(address(e)));
        for (Object w : (List<?>) s.get("waysOut")) {
            List<?> way = (List<?>) w;
            BigInteger at = address(way.get(0));
            if (at.compareTo(start) >= 0 && at.compareTo(postCommit) < 0) {
                return "a way out inside the section: " + way;
            }
            if (!OUTCOME.matcher((String) way.get(1)).matches()) {
                return "an outcome that is no word: " + way;
            }
            all.add(at);
        }
        if (!OUTCOME.matcher((String) s.get("outcomeElsewhere")).matches()) {
            return "outcomeElsewhere that is no word";
        }
        return all.stream().anyMatch(a -> a.compareTo(ADDRESS_SPACE) >= 0) ? "an address beyond 64 bits" : null;
    }

    private static BigInteger address(Object hex) {
        return new BigInteger(((String) hex).substring(2), 16);
    }

    /** Null when ``line`` is one line gdb can print as it is: no control, separator or bidi character. */
    private static String printableLine(String line) {
        if (line == null || line.isEmpty() || line.length() > MAX_LINE) {
            return "an empty, missing or overlong line: " + (line == null ? null : line.length());
        }
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c < 0x20 || c >= 0x7f && c <= 0x9f || Character.isSurrogate(c) || c == 0x2028 || c == 0x2029
                    || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069) {
                return String.format("character U+%04X at %d in %s", (int) c, i, line);
            }
        }
        return null;
    }

    private static Path keep(Input input, String name) {
        try {
            Path dir = GdbSession.home().resolve("tests/target/bridge-json-failures");
            Files.createDirectories(dir);
            return Files.write(dir.resolve(input.kind() + "-" + name + ".json"), input.bytes());
        } catch (IOException e) {
            return Path.of("(not written: " + e.getMessage() + ")");
        }
    }
}
