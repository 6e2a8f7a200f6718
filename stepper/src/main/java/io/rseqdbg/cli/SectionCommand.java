package io.rseqdbg.cli;

import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.stepper.SectionRules;
import java.io.PrintStream;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/**
 * {@code rseqdbg section --descriptor A --start S --post-commit-offset O --abort B [--json]}: what
 * {@link SectionRules} make of a critical section that no table declares, given the words of the
 * {@code struct rseq_cs} a thread's live {@code rseq_cs} points at. The gdb bridge reads the
 * descriptor from the program's memory and asks here, so that its ways out and outcomes come from
 * the same rules as {@code rseqdbg step}'s (the bridge has no copy).
 */
final class SectionCommand implements Command {

    private static final String USAGE = "rseqdbg section --descriptor ADDRESS --start START_IP"
            + " --post-commit-offset OFFSET --abort ABORT_IP [--version V] [--flags F] [--name NAME] [--json]";

    @Override
    public String name() {
        return "section";
    }

    @Override
    public String summary() {
        return "ways out and outcomes of a critical section known only from a live rseq_cs descriptor";
    }

    private static Options options() {
        Options o = new Options();
        o.addOption(number("descriptor", "ADDRESS", "where the struct rseq_cs is (what rseq_cs points at)"));
        o.addOption(number("start", "START_IP", "its start_ip"));
        o.addOption(number("post-commit-offset", "OFFSET", "its post_commit_offset"));
        o.addOption(number("abort", "ABORT_IP", "its abort_ip"));
        o.addOption(number("version", "V", "its version (default 0)"));
        o.addOption(number("flags", "F", "its flags (default 0)"));
        o.addOption(Option.builder().longOpt("name").hasArg().argName("NAME")
                .desc("how to name it (default: the start address)").get());
        o.addOption(Option.builder().longOpt("json").desc("print one JSON object (schema: README.md)").get());
        o.addOption(Option.builder("h").longOpt("help").desc("print this help").get());
        return o;
    }

    private static Option number(String name, String argName, String description) {
        return Option.builder().longOpt(name).hasArg().argName(argName).desc(description + ", 0x hex or decimal").get();
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine line;
        try {
            line = DefaultParser.builder().get().parse(options(), args);
        } catch (ParseException e) {
            throw new UsageException(e.getMessage() + " (usage: " + USAGE + ")");
        }
        if (line.hasOption("help")) {
            out.println("usage: " + USAGE);
            options().getOptions().forEach(o -> out.printf("  --%-19s %s%n", o.getLongOpt(), o.getDescription()));
            return 0;
        }
        if (!line.getArgList().isEmpty()) {
            throw new UsageException("unexpected argument '" + line.getArgList().get(0) + "' (usage: " + USAGE + ")");
        }
        long descriptor = required(line, "descriptor");
        long start = required(line, "start");
        long offset = required(line, "post-commit-offset");
        long abort = required(line, "abort");
        int version = (int) optional(line, "version");
        int flags = (int) optional(line, "flags");
        String name = line.getOptionValue("name", JsonTables.hex(start));
        CriticalSection cs = SectionRules.live(descriptor, version, flags, start, offset, abort, name);
        String problem = cs != null ? null : "post_commit_offset " + JsonTables.hex(offset)
                + " is not a section's length (1 to " + JsonTables.hex(SectionRules.MAX_LIVE_LENGTH) + ")";
        if (line.hasOption("json")) {
            JsonWriter json = new JsonWriter().beginObject().name("criticalSection");
            if (cs == null) {
                json.value((String) null);
            } else {
                JsonTables.criticalSection(json, cs, null);
            }
            json.field("problem", problem);
            JsonTables.rules(json);
            out.println(json.endObject());
        } else if (cs == null) {
            out.println(JsonTables.hex(descriptor) + ": no critical section: " + problem);
        } else {
            StringBuilder ways = new StringBuilder();
            for (long at : SectionRules.waysOut(cs)) {
                ways.append(ways.length() == 0 ? "" : ", ").append(JsonTables.hex(at)).append(' ')
                        .append(SectionRules.outcomeAt(cs, at).word());
            }
            out.println(cs.name() + " [" + JsonTables.hex(cs.start()) + ", " + JsonTables.hex(cs.postCommit())
                    + ") abort " + JsonTables.hex(cs.abort()) + ": ways out " + ways
                    + (SectionRules.exitsDeclared(cs, null) ? "" : "; exits not declared, a run single-steps it"));
        }
        return 0;
    }

    private static long required(CommandLine line, String option) {
        if (!line.hasOption(option)) {
            throw new UsageException("--" + option + " is required (usage: " + USAGE + ")");
        }
        return optional(line, option);
    }

    private static long optional(CommandLine line, String option) {
        String value = line.getOptionValue(option, "0");
        try {
            return value.startsWith("0x") || value.startsWith("0X")
                    ? Long.parseUnsignedLong(value.substring(2), 16) : Long.parseUnsignedLong(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + option + " wants a number (0x hex or decimal), not '" + value + "'");
        }
    }
}
