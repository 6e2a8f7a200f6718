package io.rseqdbg.cli;

import io.rseqdbg.elf.Problem;
import io.rseqdbg.elf.RseqTables;
import java.io.PrintStream;

/**
 * {@code rseqdbg check [--json] FILE...}: what the kernel would kill a thread for in each file's
 * rseq tables. Exit 1 if any problem, 0 if none, 2 if a file cannot be read.
 */
final class CheckCommand implements Command {

    @Override
    public String name() {
        return "check";
    }

    @Override
    public String summary() {
        return "check rseq critical sections as the kernel would (exit 1 on problems)";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        TableCommand.Files files = TableCommand.Files.parse(this, args, out);
        if (files == null) {
            return 0;
        }
        TableCommand.Files.Read read = files.read(name(), err);
        boolean problems = read.tables().stream().anyMatch(t -> !t.problems().isEmpty());
        if (files.json()) {
            out.println(JsonTables.check(read.tables(), read.errors()));
        } else {
            read.tables().forEach(t -> print(t, out));
        }
        if (!read.errors().isEmpty()) {
            return Main.EXIT_USAGE;
        }
        return problems ? 1 : 0;
    }

    private static void print(RseqTables t, PrintStream out) {
        int n = t.criticalSections().size();
        String sections = n == 1 ? "1 critical section" : n + " critical sections";
        if (t.problems().isEmpty()) {
            out.println(t.file() + ": ok (" + sections + ")");
            return;
        }
        int p = t.problems().size();
        out.println(t.file() + ": " + p + (p == 1 ? " problem" : " problems") + " (" + sections + ")");
        for (Problem problem : t.problems()) {
            out.println("  " + problem.kind().id() + ": " + problem.message());
        }
    }
}
