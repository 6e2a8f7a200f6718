package io.rseqdbg.tests.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rseqdbg.tests.support.Rseqdbg;
import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rseqdbg trace export --chrome}: a real recording (and a {@code step --trace} file) as a
 * Trace Event Format timeline, read back with Jackson, an independent JSON parser.
 */
class TraceExportTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(240);
    private static final Set<String> OUTCOMES = Set.of("committed", "aborted", "exited", "redirected");
    private static final Map<String, String> COLOUR = Map.of("committed", "good", "aborted", "bad",
            "exited", "yellow", "redirected", "olive");

    @TempDir
    static Path dir;
    private static Path trace;
    /** {@code trace show --json} of the recording: what the export must agree with. */
    private static JsonNode shown;
    private static JsonNode exported;

    @BeforeAll
    static void recordTwoThreadsAndExport() throws IOException {
        trace = dir.resolve("counter2.trace");
        Rseqdbg.launch("record", "-o", trace.toString(), "--slice", "3000", Targets.path("counter-static").toString(), "2", "30")
                .timeout(TIMEOUT).run().requireExit(0);
        Run show = Rseqdbg.launch("trace", "show", "--json", trace.toString()).timeout(TIMEOUT).run().requireExit(0);
        shown = new ObjectMapper().readTree(show.lastLine());
        Path json = dir.resolve("counter2.json");
        export(trace, json).requireExit(0);
        exported = new ObjectMapper().readTree(json.toFile());
    }

    private static Run export(Path from, Path to, String... more) {
        List<String> words = new ArrayList<>(List.of("trace", "export", "--chrome"));
        words.addAll(Arrays.asList(more));
        words.addAll(List.of(from.toString(), to.toString()));
        return Rseqdbg.launch(words.toArray(String[]::new)).timeout(TIMEOUT).run();
    }

    private static List<JsonNode> events(JsonNode root, String phase, int pid) {
        List<JsonNode> list = new ArrayList<>();
        root.get("traceEvents").forEach(e -> {
            if (e.get("ph").asText().equals(phase) && e.get("pid").asInt() == pid) {
                list.add(e);
            }
        });
        return list;
    }

    private static long shownEvents(String prefix) {
        long n = 0;
        for (JsonNode e : shown.get("events")) {
            if (e.get("event").asText().startsWith(prefix)) {
                n++;
            }
        }
        return n;
    }

    @Test
    void theExportIsOneTraceEventFormatObjectSayingItsClockIsInstructions() {
        assertTrue(exported.get("traceEvents").isArray() && exported.get("traceEvents").size() > 0);
        assertTrue(exported.get("otherData").get("timeUnit").asText().contains("1 instruction"), exported.toString());
        for (JsonNode e : exported.get("traceEvents")) {
            assertTrue(Set.of("X", "i", "M").contains(e.get("ph").asText()), e.toString());
            assertTrue(e.has("pid") && e.has("name"), e.toString());
            if (!e.get("ph").asText().equals("M")) {
                assertTrue(e.get("ts").isIntegralNumber() && e.get("ts").asLong() >= 0, e.toString());
                assertTrue(e.has("tid"), e.toString());
            }
        }
    }

    @Test
    void everyLogicalThreadHasItsOwnNamedTrack() {
        Set<String> recorded = new TreeSet<>();
        shown.get("events").forEach(e -> {
            if (e.get("thread").asText().matches("\\d+")) {
                recorded.add("thread " + e.get("thread").asText());
            }
        });
        Set<String> tracks = new TreeSet<>();
        events(exported, "M", 1).stream().filter(e -> e.get("name").asText().equals("thread_name"))
                .forEach(e -> tracks.add(e.get("args").get("name").asText()));
        assertEquals(3, recorded.size(), "counter 2 runs a main thread and two workers: " + recorded);
        assertEquals(recorded, tracks);
    }

    @Test
    void everySectionPassIsOneSliceNamedBySymbolAndColouredByItsOutcome() {
        List<JsonNode> sections = events(exported, "X", 1);
        long passes = OUTCOMES.stream().mapToLong(o -> shownEvents(o + " ")).sum();
        assertEquals(passes, sections.size());
        assertEquals(60, sections.stream().filter(s -> s.get("name").asText().startsWith("percpu_counter_add+")
                && s.get("args").get("outcome").asText().equals("committed")).count());
        for (JsonNode s : sections) {
            assertEquals(COLOUR.get(s.get("args").get("outcome").asText()), s.get("cname").asText(), s.toString());
            assertTrue(s.get("dur").asLong() >= 1, s.toString());
        }
    }

    @Test
    void eachTracksEventsAreInTimeOrder() {
        Map<String, Long> last = new HashMap<>();
        for (JsonNode e : exported.get("traceEvents")) {
            if (e.get("ph").asText().equals("M")) {
                continue;
            }
            String track = e.get("pid").asText() + "/" + e.get("tid").asText();
            long ts = e.get("ts").asLong();
            assertTrue(ts >= last.getOrDefault(track, 0L), "track " + track + " goes back to " + ts + ": " + e);
            last.put(track, ts);
        }
    }

    @Test
    void theSchedulersSlicesLieEndToEndOnTheirOwnTrack() {
        List<JsonNode> slices = events(exported, "X", 2);
        assertEquals(shownEvents("slice "), slices.size());
        assertTrue(slices.size() >= 2, "two workers and --slice 3000 make the scheduler switch: " + slices.size());
        long clock = 0;
        for (JsonNode s : slices) {
            assertEquals(clock, s.get("ts").asLong(), s.toString());
            clock += s.get("args").get("instructions").asLong();
        }
    }

    @Test
    void threadStartsAndExitsAreInstantsOnTheirThreadsTrack() {
        List<JsonNode> instants = events(exported, "i", 1);
        assertEquals(shownEvents("thread-start"), instants.stream()
                .filter(e -> e.get("name").asText().startsWith("thread-start")).count());
        assertEquals(shownEvents("thread-exit"), instants.stream()
                .filter(e -> e.get("name").asText().startsWith("thread-exit")).count());
    }

    @Test
    void aStepTraceFileExportsTheSameWay() throws IOException {
        Path text = dir.resolve("step.txt");
        Rseqdbg.launch("step", "--trace", text.toString(), "--", Targets.path("counter-static").toString(), "1", "12")
                .timeout(TIMEOUT).run().requireExit(0);
        Path json = dir.resolve("step.json");
        export(text, json).requireExit(0);
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        long committed = Files.readAllLines(text).stream().filter(l -> l.matches(".*\tcommitted \\S+ stops=\\d+")).count();
        assertEquals(12, committed);
        assertEquals(committed, events(root, "X", 1).stream()
                .filter(s -> s.get("cname").asText().equals("good")).count());
    }

    @Test
    void anExistingOutputIsNotOverwrittenWithoutForce() throws IOException {
        Path out = Files.writeString(dir.resolve("existing.json"), "keep me\n");
        Run run = export(trace, out);
        run.requireOneLineError("--force");
        assertEquals("keep me\n", Files.readString(out));
        export(trace, out, "--force").requireExit(0);
        assertTrue(Files.readString(out).startsWith("{\"traceEvents\":["));
    }

    @Test
    void aSymbolicLinkAtTheOutputIsNeverWrittenThrough() throws IOException {
        Path victim = Files.writeString(dir.resolve("victim.txt"), "precious\n");
        Path link = Files.createSymbolicLink(dir.resolve("planted.json"), victim);
        export(trace, link).requireOneLineError("symbolic link");
        export(trace, link, "--force").requireOneLineError("symbolic link");
        assertEquals("precious\n", Files.readString(victim));
        assertTrue(Files.isSymbolicLink(link));
    }

    @Test
    void aDamagedTraceIsOneLineAndLeavesNoHalfWrittenOutput() throws IOException {
        byte[] good = Files.readAllBytes(trace);
        Path cut = Files.write(dir.resolve("cut.trace"), Arrays.copyOf(good, good.length - 9));
        Path out = dir.resolve("cut.json");
        export(cut, out).requireOneLineError("truncated");
        assertFalse(Files.exists(out));
    }

}
