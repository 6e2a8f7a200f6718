package io.rseqdbg.cli;

import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.elf.ElfReadException;
import io.rseqdbg.elf.Problem;
import io.rseqdbg.elf.RseqTables;
import io.rseqdbg.stepper.SectionRules;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The JSON of {@code table --json} and {@code check --json}; the README's "JSON schema" section
 * documents it and the gdb bridge reads it. Addresses are strings of 0x hex (64-bit values do not
 * survive every JSON reader as numbers).
 */
final class JsonTables {

    private JsonTables() {
    }

    static String table(List<RseqTables> files, List<ElfReadException> errors) {
        JsonWriter json = new JsonWriter().beginObject().name("files").beginArray();
        for (RseqTables t : files) {
            header(json, t);
            slowPaths(json, t);
            json.name("criticalSections").beginArray();
            for (CriticalSection cs : t.criticalSections()) {
                criticalSection(json, cs, t);
            }
            json.endArray().endObject();
        }
        json.endArray();
        errors(json, errors);
        rules(json);
        return json.endObject().toString();
    }

    static String check(List<RseqTables> files, List<ElfReadException> errors) {
        JsonWriter json = new JsonWriter().beginObject().name("files").beginArray();
        int count = 0;
        for (RseqTables t : files) {
            header(json, t);
            json.field("criticalSections", t.criticalSections().size());
            json.name("problems").beginArray();
            for (Problem p : t.problems()) {
                json.beginObject().field("kind", p.kind().id()).field("address", hex(p.address()))
                        .field("message", p.message()).endObject();
                count++;
            }
            json.endArray().endObject();
        }
        json.endArray().field("problemCount", count);
        errors(json, errors);
        return json.endObject().toString();
    }

    private static void header(JsonWriter json, RseqTables t) {
        json.beginObject().field("file", t.file().toString()).field("architecture", t.architecture().displayName())
                .field("elfClass", t.is64() ? 64 : 32)
                .field("byteOrder", t.byteOrder() == ByteOrder.BIG_ENDIAN ? "big" : "little")
                .field("positionIndependent", t.positionIndependent());
    }

    /** Entries of the known slow paths (progress for opv), in files with critical sections only, as the stepper. */
    private static void slowPaths(JsonWriter json, RseqTables t) {
        json.name("slowPaths").beginArray();
        if (!t.criticalSections().isEmpty()) {
            for (String name : SectionRules.SLOW_PATHS) {
                t.symbolAddress(name).ifPresent(a -> json.beginObject().field("name", name)
                        .field("address", hex(a)).endObject());
            }
        }
        json.endArray();
    }

    /** What holds for every section and policy: the bridge acts on these, never on its own copy. */
    static void rules(JsonWriter json) {
        json.name("rules").beginObject()
                .field("outcomeElsewhere", SectionRules.outcomeElsewhere().word())
                .field("opvRedirectsWithoutProgress", SectionRules.OPV_REDIRECTS_WITHOUT_PROGRESS)
                .endObject();
    }

    static void criticalSection(JsonWriter json, CriticalSection cs, RseqTables t) {
        json.beginObject()
                .field("name", cs.name())
                .field("start", hex(cs.start()))
                .field("postCommit", hex(cs.postCommit()))
                .field("postCommitOffset", hex(cs.postCommitOffset()))
                .field("abort", hex(cs.abort()))
                .name("exits").beginArray();
        cs.exits().forEach(e -> json.value(hex(e)));
        json.endArray()
                .field("section", cs.section())
                .field("descriptor", hex(cs.descriptor()))
                .field("architecture", cs.architecture().displayName())
                .field("version", Integer.toUnsignedLong(cs.version()))
                .field("flags", Integer.toUnsignedLong(cs.flags()))
                .field("exitsDeclared", SectionRules.exitsDeclared(cs, t))
                .name("waysOut").beginArray();
        for (long at : SectionRules.waysOut(cs)) {
            json.beginObject().field("address", hex(at)).field("outcome", SectionRules.outcomeAt(cs, at).word()).endObject();
        }
        json.endArray().endObject();
    }

    private static void errors(JsonWriter json, List<ElfReadException> errors) {
        json.name("errors").beginArray();
        for (ElfReadException e : errors) {
            json.beginObject().field("file", e.file().toString()).field("problem", e.problem()).endObject();
        }
        json.endArray();
    }

    static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
