package io.rseqdbg.cli;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A minimal streaming JSON writer (RFC 8259): objects, arrays, strings, integers, booleans, null.
 * Commas and nesting are tracked here so that callers only say what comes next.
 */
final class JsonWriter {

    private final StringBuilder out = new StringBuilder();
    /** Per open container: has it got a first element yet. */
    private final Deque<boolean[]> open = new ArrayDeque<>();
    private boolean afterName;

    JsonWriter beginObject() {
        element();
        out.append('{');
        open.push(new boolean[] {false});
        return this;
    }

    JsonWriter endObject() {
        open.pop();
        out.append('}');
        return this;
    }

    JsonWriter beginArray() {
        element();
        out.append('[');
        open.push(new boolean[] {false});
        return this;
    }

    JsonWriter endArray() {
        open.pop();
        out.append(']');
        return this;
    }

    JsonWriter name(String name) {
        element();
        string(name);
        out.append(':');
        afterName = true;
        return this;
    }

    JsonWriter value(String value) {
        element();
        if (value == null) {
            out.append("null");
        } else {
            string(value);
        }
        return this;
    }

    JsonWriter value(long value) {
        element();
        out.append(value);
        return this;
    }

    JsonWriter value(boolean value) {
        element();
        out.append(value);
        return this;
    }

    JsonWriter field(String name, String value) {
        return name(name).value(value);
    }

    JsonWriter field(String name, long value) {
        return name(name).value(value);
    }

    JsonWriter field(String name, boolean value) {
        return name(name).value(value);
    }

    @Override
    public String toString() {
        return out.toString();
    }

    private void element() {
        if (afterName) {
            afterName = false;
            return;
        }
        boolean[] first = open.peek();
        if (first != null) {
            if (first[0]) {
                out.append(',');
            }
            first[0] = true;
        }
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
