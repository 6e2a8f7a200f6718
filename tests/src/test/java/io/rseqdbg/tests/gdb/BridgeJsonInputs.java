package io.rseqdbg.tests.gdb;

import io.rseqdbg.tests.support.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded, reproducible inputs for the bridge's JSON readers: the reader's real answers, damaged.
 * Structural mutations put a hostile value anywhere (wrong types, NaN and Infinity, numbers of
 * thousands of digits, 17 hex digits, control characters, terminal escapes, lone surrogates,
 * gdb and shell command lines, strings of 100,000 characters, deep nesting), drop or rename keys
 * and repeat list entries; byte mutations truncate, overwrite and insert bytes (invalid UTF-8).
 */
final class BridgeJsonInputs {

    /** A record for the driver: KIND is table, section, cache or process (see bridge_json_fuzz.py). */
    record Input(String kind, byte[] bytes) {
    }

    /** JSON text that goes into a document as it is: values no JSON writer makes (NaN, 1e999). */
    private record Raw(String text) {
    }

    static final String CACHE_KEY = "0".repeat(64);
    private static final int MAX_SLOTS = 10_000;

    private final SplittableRandom random;
    private final Map<String, Object> table;
    private final Map<String, Object> section;
    private final Map<String, Object> cache;
    private final List<Object> hostile;

    /** {@code marker}: a path that exists afterwards only if some input's command line was executed. */
    BridgeJsonInputs(long seed, String tableJson, String sectionJson, String marker) {
        this.random = new SplittableRandom(seed);
        this.table = Json.object(tableJson);
        this.section = Json.object(sectionJson);
        this.cache = new LinkedHashMap<>();
        cache.put("key", CACHE_KEY);
        cache.put("entry", ((List<?>) table.get("files")).get(0));
        cache.put("rules", table.get("rules"));
        this.hostile = hostileValues(marker);
    }

    /** The unchanged seeds: the control, which the bridge must accept. */
    List<Input> seeds() {
        return List.of(new Input("table", bytes(write(table))), new Input("section", bytes(write(section))),
                new Input("cache", bytes(write(cache))));
    }

    Input next() {
        int pick = random.nextInt(10);
        String kind = pick < 4 ? "table" : pick < 7 ? "cache" : "section";
        Object tree = copy(kind.equals("table") ? table : kind.equals("cache") ? cache : section);
        for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
            tree = mutate(tree);
        }
        byte[] bytes = bytes(write(tree));
        if (random.nextInt(4) == 0) {
            bytes = damage(bytes);
        }
        return new Input(kind, bytes);
    }

    /** Inputs of unusual size, built once a run: at the bounds and past them. */
    List<Input> outsized() {
        List<Input> out = new ArrayList<>();
        out.add(new Input("table", bytes("[".repeat(200_000) + "]".repeat(200_000))));
        out.add(new Input("section", bytes("{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000))));
        out.add(new Input("table", padded(table, 16 << 20)));  // just past the bridge's 16 MiB
        out.add(new Input("cache", padded(cache, 16 << 20)));
        Map<String, Object> many = copy(table);
        Map<String, Object> first = copy(firstFile(many));
        List<Object> sections = new ArrayList<>();
        Object one = ((List<?>) first.get("criticalSections")).get(0);
        for (int i = 0; i < 20_000; i++) {
            sections.add(one);  // a large, valid answer (about 10 MB): accepted
        }
        first.put("criticalSections", sections);
        many.put("files", List.of(first));
        out.add(new Input("table", bytes(write(many))));
        return out;
    }

    /** Stand-in readers (scripts run in place of java): endless output, a hang, garbage, a crash. */
    static List<Input> processes(String seedFile) {
        return List.of(
                new Input("process", bytes("#!/bin/sh\nexec cat '" + seedFile + "'\n")),
                new Input("process", bytes("#!/bin/sh\nexec yes '{\"rules\": '\n")),
                new Input("process", bytes("#!/bin/sh\nexec sleep 60\n")),
                new Input("process", bytes("#!/bin/sh\nprintf '\\377\\376{}'\n")),
                new Input("process", bytes("#!/bin/sh\nprintf 'Exception in thread \"main\"\\033[2J\\n\\tat x\\n' >&2; exit 1\n")),
                new Input("process", bytes("#!/bin/sh\nexec head -c 20000000 /dev/zero\n")));
    }

    private static Map<String, Object> firstFile(Map<String, Object> document) {
        @SuppressWarnings("unchecked")
        Map<String, Object> file = (Map<String, Object>) ((List<?>) document.get("files")).get(0);
        return file;
    }

    private byte[] padded(Map<String, Object> document, int size) {
        Map<String, Object> big = copy(document);
        big.put("padding", "p".repeat(size));
        return bytes(write(big));
    }

    private Object mutate(Object tree) {
        List<Object[]> slots = new ArrayList<>();  // {container, key or index}
        collect(tree, slots);
        if (slots.isEmpty()) {
            return pickHostile();
        }
        Object[] slot = slots.get(random.nextInt(slots.size()));
        int operation = random.nextInt(10);
        if (slot[0] instanceof Map<?, ?> map) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) map;
            String key = (String) slot[1];
            if (operation == 0) {
                m.remove(key);
            } else if (operation == 1) {
                m.put(key + "\u0000", m.remove(key));
            } else {
                m.put(key, operation == 2 ? repeatedList(m.get(key)) : pickHostile());
            }
        } else {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) slot[0];
            int index = (Integer) slot[1];
            if (operation == 0) {
                list.remove(index);
            } else if (operation == 1) {
                for (int i = random.nextInt(100); i > 0; i--) {
                    list.add(index, list.get(index));
                }
            } else {
                list.set(index, pickHostile());
            }
        }
        return tree;
    }

    private Object repeatedList(Object value) {
        List<Object> list = new ArrayList<>();
        for (int i = random.nextInt(200); i >= 0; i--) {
            list.add(value);
        }
        return list;
    }

    /** The places a mutation may change, the first MAX_SLOTS of them (repeated lists multiply them). */
    private static void collect(Object node, List<Object[]> slots) {
        if (slots.size() >= MAX_SLOTS) {
            return;
        }
        if (node instanceof Map<?, ?> map) {
            for (Object key : map.keySet()) {
                slots.add(new Object[] {map, key});
                collect(map.get(key), slots);
            }
        } else if (node instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                slots.add(new Object[] {list, i});
                collect(list.get(i), slots);
            }
        }
    }

    private Object pickHostile() {
        return copy(hostile.get(random.nextInt(hostile.size())));  // a later mutation may change it
    }

    private byte[] damage(byte[] bytes) {
        if (bytes.length == 0) {
            return bytes;
        }
        int at = random.nextInt(bytes.length);
        return switch (random.nextInt(3)) {
            case 0 -> java.util.Arrays.copyOf(bytes, at);
            case 1 -> {
                byte[] out = bytes.clone();
                byte[] choices = {0, (byte) 0xff, (byte) 0xc3, '"', '\\', '{', ']', ',', '9', '\n'};
                out[at] = random.nextBoolean() ? choices[random.nextInt(choices.length)] : (byte) random.nextInt(256);
                yield out;
            }
            default -> {
                byte[] inserted = new byte[1 + random.nextInt(8)];
                random.nextBytes(inserted);
                byte[] out = new byte[bytes.length + inserted.length];
                System.arraycopy(bytes, 0, out, 0, at);
                System.arraycopy(inserted, 0, out, at, inserted.length);
                System.arraycopy(bytes, at, out, at + inserted.length, bytes.length - at);
                yield out;
            }
        };
    }

    private static List<Object> hostileValues(String marker) {
        List<Object> values = new ArrayList<>(java.util.Arrays.asList(
                null, true, false, 0L, -1L, Long.MAX_VALUE, 16L, "", "0x", "0X10", "0x-1", " 0x10", "0x1_0", "ff",
                "0x" + "f".repeat(16), "0x" + "f".repeat(17), "0x" + "0".repeat(100_000), "committed", "exited",
                "0x1000", "0x1001", "0x100100", "\u0000", "\u001b[2J\u001b]0;title\u0007", "\ud800", "\udfff",
                "\u202eexited", "\u2028", "a\r\nb", "A".repeat(100_000), "percpu_counter_add+" + "9".repeat(5000),
                "x\nshell touch " + marker + "\n", "$(touch " + marker + ")", "`touch " + marker + "`",
                "python import os; os.system('touch " + marker + "')", "\"; shell touch " + marker,
                new Raw("NaN"), new Raw("Infinity"), new Raw("-Infinity"), new Raw("1e999"), new Raw("0.5"),
                new Raw("-0"), new Raw("1" + "0".repeat(5000)), new Raw("-" + "9".repeat(30)),
                new Raw("[".repeat(5000) + "]".repeat(5000)), new ArrayList<>(), new LinkedHashMap<>()));
        values.add(new ArrayList<>(List.of("0x10", 1L, List.of())));
        values.add(new LinkedHashMap<>(Map.of("address", "0x1", "outcome", "committed")));
        return values;
    }

    @SuppressWarnings("unchecked")
    private static <T> T copy(T node) {
        if (node instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put((String) k, copy(v)));
            return (T) out;
        }
        if (node instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(v -> out.add(copy(v)));
            return (T) out;
        }
        return node;
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** JSON text in ASCII: every other character as a \\u escape (lone surrogates too, as JSON allows). */
    static String write(Object node) {
        StringBuilder out = new StringBuilder();
        write(node, out);
        return out.toString();
    }

    private static void write(Object node, StringBuilder out) {
        if (node instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(first ? "" : ",");
                first = false;
                write(e.getKey(), out);
                out.append(':');
                write(e.getValue(), out);
            }
            out.append('}');
        } else if (node instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                out.append(i == 0 ? "" : ",");
                write(list.get(i), out);
            }
            out.append(']');
        } else if (node instanceof String s) {
            out.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\') {
                    out.append('\\').append(c);
                } else if (c < 0x20 || c > 0x7e) {
                    out.append(String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
            out.append('"');
        } else if (node instanceof Raw raw) {
            out.append(raw.text());
        } else {
            out.append(node);  // null, booleans, numbers
        }
    }
}
