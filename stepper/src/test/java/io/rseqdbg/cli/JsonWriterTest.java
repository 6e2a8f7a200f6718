package io.rseqdbg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class JsonWriterTest {

    @Test
    void nestedContainersGetCommasOnlyBetweenElements() {
        String json = new JsonWriter().beginObject().field("a", 1).name("b").beginArray().value("x").value(true)
                .beginObject().endObject().endArray().field("c", (String) null).endObject().toString();
        assertEquals("{\"a\":1,\"b\":[\"x\",true,{}],\"c\":null}", json);
    }

    @Test
    void stringsEscapeQuotesBackslashesAndControlCharacters() {
        String json = new JsonWriter().value("a\"b\\c\nd\u0001").toString();
        assertEquals("\"a\\\"b\\\\c\\nd\\u0001\"", json);
    }
}
