package io.rseqdbg.cli;

import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.elf.ElfReadException;
import io.rseqdbg.elf.RseqTables;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.apache.commons.cli.help.HelpFormatter;
import org.apache.commons.cli.help.TextHelpAppendable;

/** {@code rseqdbg table [--json] FILE...}: one row per critical section of each file. */
final class TableCommand implements Command {

    @Override
    public String name() {
        return "table";
    }

    @Override
    public String summary() {
        return "list the rseq critical sections of ELF files";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        Files files = Files.parse(this, args, out);
        if (files == null) {
            return 0;
        }
        Files.Read read = files.read(name(), err);
        if (files.json()) {
            out.println(JsonTables.table(read.tables(), read.errors()));
        } else {
            for (int i = 0; i < read.tables().size(); i++) {
                if (i > 0) {
                    out.println();
                }
                print(read.tables().get(i), out);
            }
        }
        return read.errors().isEmpty() ? 0 : Main.EXIT_USAGE;
    }

    private static void print(RseqTables t, PrintStream out) {
        int n = t.criticalSections().size();
        String what = n == 0 ? "no rseq critical sections" : n == 1 ? "1 critical section" : n + " critical sections";
        out.println(t.file() + " (" + t.architecture() + ", ELF" + (t.is64() ? 64 : 32) + "): " + what);
        if (n == 0) {
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "START", "POST-COMMIT", "ABORT", "EXITS", "SECTION", "ARCH"});
        for (CriticalSection cs : t.criticalSections()) {
            String exits = cs.exits().isEmpty() ? "-"
                    : cs.exits().stream().map(JsonTables::hex).collect(Collectors.joining(","));
            rows.add(new String[] {cs.name(), JsonTables.hex(cs.start()), JsonTables.hex(cs.postCommit()),
                    JsonTables.hex(cs.abort()), exits, cs.section(), cs.architecture().displayName()});
        }
        int[] widths = new int[rows.get(0).length];
        rows.forEach(r -> {
            for (int c = 0; c < r.length; c++) {
                widths[c] = Math.max(widths[c], r[c].length());
            }
        });
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder(" ");
            for (int c = 0; c < r.length; c++) {
                line.append(' ').append(c == r.length - 1 ? r[c] : String.format("%-" + widths[c] + "s", r[c]));
            }
            out.println(line);
        }
    }

    /** The arguments {@code table} and {@code check} share: {@code [--json] FILE...}. */
    record Files(List<Path> paths, boolean json) {

        /** The tables that could be read, and one error per file that could not. */
        record Read(List<RseqTables> tables, List<ElfReadException> errors) {
        }

        /** @return null when help was asked for (and printed) */
        static Files parse(Command command, String[] args, PrintStream out) {
            Files common = commonForm(args);
            return common != null ? common : parseWithCommonsCli(command, args, out);
        }

        static Files parseWithCommonsCli(Command command, String[] args, PrintStream out) {
            Options options = new Options()
                    .addOption(Option.builder("j").longOpt("json").desc("print JSON (schema: README.md)").get())
                    .addOption(Option.builder("h").longOpt("help").desc("print this help").get());
            CommandLine line;
            try {
                line = DefaultParser.builder().get().parse(options, args);
            } catch (ParseException e) {
                throw new UsageException(e.getMessage());
            }
            String syntax = "rseqdbg " + command.name() + " [--json] FILE...";
            if (line.hasOption("help")) {
                try {
                    HelpFormatter.builder().setHelpAppendable(new TextHelpAppendable(out)).setShowSince(false).get()
                            .printHelp(syntax, command.summary(), options, "", false);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return null;
            }
            if (line.getArgList().isEmpty()) {
                throw new UsageException("no FILE given (usage: " + syntax + ")");
            }
            return new Files(line.getArgList().stream().map(Path::of).toList(), line.hasOption("json"));
        }

        /**
         * {@code [--json|-j] FILE...} in any order, no other option: what Commons CLI makes of it,
         * without loading Commons CLI (about a tenth of a short run). Null for anything else (an
         * option prefix, an unknown option, no file, an empty word), which Commons CLI decides.
         */
        static Files commonForm(String[] args) {
            boolean json = false;
            List<Path> paths = new ArrayList<>();
            for (String a : args) {
                if (a.equals("--json") || a.equals("-j")) {
                    json = true;
                } else if (a.isEmpty() || a.startsWith("-")) {
                    return null;
                } else {
                    paths.add(Path.of(a));
                }
            }
            return paths.isEmpty() ? null : new Files(List.copyOf(paths), json);
        }

        /** Reads every file; each unreadable one is one line on {@code err}. */
        Read read(String command, PrintStream err) {
            List<RseqTables> tables = new ArrayList<>();
            List<ElfReadException> errors = new ArrayList<>();
            for (Path p : paths) {
                try {
                    tables.add(RseqTables.read(p));
                } catch (ElfReadException e) {
                    err.println("rseqdbg " + command + ": " + e.getMessage());
                    errors.add(e);
                }
            }
            return new Read(tables, errors);
        }
    }
}
