package io.rseqdbg.cli;

import io.rseqdbg.elf.Problem;
import io.rseqdbg.stepper.status.ProcessStatus;
import io.rseqdbg.stepper.status.ProcessStatus.Area;
import io.rseqdbg.stepper.status.ProcessStatus.Inside;
import io.rseqdbg.stepper.status.ProcessStatus.ModuleStatus;
import io.rseqdbg.stepper.status.ProcessStatus.ThreadStatus;
import io.rseqdbg.stepper.status.StatusException;
import io.rseqdbg.stepper.status.StatusReader;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code rseqdbg status --pid PID [--json]}: a live program's rseq state per thread and module,
 * read in one short stop (attach, read, detach), or from /proc alone when another tracer has it.
 */
final class StatusCommand implements Command {

    @Override
    public String name() {
        return "status";
    }

    @Override
    public String summary() {
        return "show a running program's rseq areas, critical sections and problems (stops it a moment)";
    }

    private static Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("pid").hasArg().argName("PID").desc("the process to look at").get());
        o.addOption(Option.builder().longOpt("json").desc("print one JSON object (schema: README.md)").get());
        o.addOption(Option.builder("h").longOpt("help").desc("print this help").get());
        return o;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine line = CommandLines.parse(name(), options(), args, false);
        if (line.hasOption("help")) {
            CommandLines.help(out, "rseqdbg status --pid PID [--json]", options(), 6);
            return 0;
        }
        if (!line.getArgList().isEmpty()) {
            throw new UsageException("unexpected argument '" + line.getArgList().get(0) + "' (usage: rseqdbg status --pid PID [--json])");
        }
        String value = line.getOptionValue("pid");
        if (value == null) {
            throw new UsageException("--pid PID is required (usage: rseqdbg status --pid PID [--json])");
        }
        int pid;
        try {
            pid = Integer.parseInt(value);
            if (pid <= 0) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new UsageException("--pid wants a process id, not '" + value + "'");
        }
        ProcessStatus status;
        try {
            status = StatusReader.read(pid);
        } catch (StatusException e) {
            err.println("rseqdbg " + e.getMessage());
            return Main.EXIT_USAGE;
        } catch (RuntimeException e) {
            return CommandLines.failed(err, "rseqdbg status " + pid, e);
        }
        if (line.hasOption("json")) {
            out.println(json(status));
        } else {
            text(status, out);
        }
        return 0;
    }

    // ------------------------------------------------------------------ text

    static void text(ProcessStatus s, PrintStream out) {
        out.println("process " + s.pid() + " (" + s.command() + ")" + (s.executable() == null ? "" : " " + s.executable())
                + ", Linux " + s.kernel());
        if (s.tracedBy() == null) {
            out.printf("not traced: attached, read, detached (threads stopped %.1f ms)%n", s.stoppedMillis());
        } else {
            out.println("traced by process " + s.tracedBy().pid() + " (" + s.tracedBy().command() + ", thread "
                    + s.tracedBy().tid() + "): not attached, read from /proc only");
        }
        StringBuilder glibc = new StringBuilder();
        if (s.glibc() == null) {
            glibc.append("glibc rseq: none found (no __rseq_offset)");
        } else if (!s.glibc().registers()) {
            glibc.append("glibc rseq: off (__rseq_size 0 in ").append(s.glibc().module()).append(')');
        } else {
            glibc.append("glibc rseq: __rseq_size ").append(s.glibc().size()).append(", __rseq_offset ")
                    .append(s.glibc().offset()).append(" (").append(s.glibc().module()).append(')');
        }
        glibc.append("; kernel rseq features: ")
                .append(s.featureSize() == 0 ? "unknown (no AT_RSEQ_FEATURE_SIZE)" : s.featureSize() + " bytes"
                        + (s.featureSize() >= 28 ? " (node_id, mm_cid)" : s.featureSize() >= 24 ? " (node_id)" : ""));
        out.println(glibc);
        Map<String, List<Integer>> modes = new LinkedHashMap<>();
        Map<String, String> explanations = new LinkedHashMap<>();
        for (ThreadStatus t : s.threads()) {
            out.println();
            thread(t, s.attached(), out);
            if (t.area() != null) {
                modes.computeIfAbsent(t.area().kernel().mode(), k -> new ArrayList<>()).add(t.tid());
                explanations.put(t.area().kernel().mode(), t.area().kernel().explanation());
            }
        }
        if (!modes.isEmpty()) {
            out.println();
            out.println("a stop inside a critical section:");
            modes.forEach((mode, tids) -> out.println("  " + mode + " (" + (tids.size() == s.threads().size() ? "every thread"
                    : tids.size() == 1 ? "thread " + tids.get(0) : "threads " + join(tids)) + "): " + explanations.get(mode)));
        }
        out.println();
        out.println(s.modules().isEmpty() ? "no mapped module has rseq tables (" + s.modulesWithout() + " without)"
                : "modules with rseq tables (" + s.modules().size() + "; " + s.modulesWithout() + " more without):");
        for (ModuleStatus m : s.modules()) {
            int n = m.criticalSections();
            int p = m.problems().size();
            out.println("  " + m.file() + " (" + m.architecture() + ", bias " + JsonTables.hex(m.bias()) + "): "
                    + (n == 1 ? "1 critical section" : n + " critical sections") + ", "
                    + (p == 0 ? "no problems" : p == 1 ? "1 problem" : p + " problems"));
            for (Problem problem : m.problems()) {
                out.println("    " + problem.kind().id() + ": " + problem.message());
            }
        }
        for (ProcessStatus.Unreadable u : s.unreadable()) {
            out.println("  unreadable: " + u.file() + ": " + u.problem());
        }
        if (!s.unseen().isEmpty()) {
            out.println();
            out.println("not seen:");
            s.unseen().forEach(u -> out.println("  " + u));
        }
    }

    private static void thread(ThreadStatus t, boolean attached, PrintStream out) {
        out.println("thread " + t.tid() + " (" + t.name() + ") state " + t.state() + ", last on cpu " + t.lastCpu()
                + ", affinity " + t.affinity());
        String pc = t.pc() == null ? "pc not seen (running)" : "pc " + JsonTables.hex(t.pc()) + " " + t.pcName();
        Inside in = t.inside();
        if (in == null && t.atAbortOf() != null) {
            out.println("  " + pc + ": at the abort handler of " + t.atAbortOf() + " (just aborted: a stop inside a"
                    + " critical section aborts it)");
        } else if (in == null) {
            out.println("  " + pc + (t.pc() == null ? "" : ": not in a critical section"));
        } else {
            out.println("  " + pc + ": INSIDE critical section " + in.name() + " [" + JsonTables.hex(in.start()) + ", "
                    + JsonTables.hex(in.postCommit()) + ") abort " + JsonTables.hex(in.abort())
                    + (in.how().equals("table") ? " (from the tables)" : " (from rseq_cs: no table)"));
            boolean surely = t.area() == null || t.area().kernel().mode().equals("every-stop");
            out.println(attached ? "    caught by the attach: it " + (surely ? "restarts" : "may restart")
                    + " at its abort handler now that rseqdbg has detached, as after a preemption"
                    : "    held by its tracer: it restarts at its abort handler when resumed, unless the tracer clears rseq_cs");
        }
        Area a = t.area();
        if (!t.areaSeen()) {
            out.println("  rseq area not seen");
            return;
        }
        if (a == null) {
            out.println("  no rseq area registered");
            return;
        }
        out.println("  rseq area " + JsonTables.hex(a.address()) + ", " + a.size() + " bytes, signature "
                + String.format("0x%08x", a.signature()) + ", flags " + a.flags() + ": " + a.owner().kind() + " — "
                + a.owner().where());
        out.println("  cpu_id " + a.cpuId() + ", cpu_id_start " + a.cpuIdStart()
                + (a.nodeId() == null ? "" : ", node_id " + a.nodeId())
                + (a.mmCid() == null ? "" : ", mm_cid " + a.mmCid())
                + ", rseq_cs " + JsonTables.hex(a.rseqCs()) + (a.rseqCsName() == null ? "" : " (" + a.rseqCsName() + ")"));
    }

    private static String join(List<Integer> tids) {
        return String.join(", ", tids.stream().map(String::valueOf).toList());
    }

    // ------------------------------------------------------------------ JSON

    static String json(ProcessStatus s) {
        JsonWriter json = new JsonWriter().beginObject()
                .field("pid", s.pid())
                .field("command", s.command())
                .field("executable", s.executable())
                .field("kernel", s.kernel())
                .name("tracedBy");
        if (s.tracedBy() == null) {
            json.value((String) null);
        } else {
            json.beginObject().field("pid", s.tracedBy().pid()).field("tid", s.tracedBy().tid())
                    .field("command", s.tracedBy().command()).endObject();
        }
        json.field("attached", s.attached())
                .field("stoppedMillis", s.stoppedMillis())
                .field("rseqFeatureSize", s.featureSize())
                .name("glibc");
        if (s.glibc() == null) {
            json.value((String) null);
        } else {
            json.beginObject().field("module", s.glibc().module()).field("rseqOffset", s.glibc().offset())
                    .field("rseqSize", s.glibc().size()).endObject();
        }
        json.name("threads").beginArray();
        for (ThreadStatus t : s.threads()) {
            json.beginObject().field("tid", t.tid()).field("name", t.name()).field("state", String.valueOf(t.state()))
                    .field("affinity", t.affinity()).field("lastCpu", t.lastCpu())
                    .field("pc", t.pc() == null ? null : JsonTables.hex(t.pc())).field("pcName", t.pcName())
                    .field("areaSeen", t.areaSeen()).name("rseq");
            Area a = t.area();
            if (a == null) {
                json.value((String) null);
            } else {
                json.beginObject().field("address", JsonTables.hex(a.address())).field("size", a.size())
                        .field("signature", String.format("0x%08x", a.signature()))
                        .field("registrationFlags", a.registrationFlags())
                        .field("registeredBy", a.owner().kind()).field("where", a.owner().where())
                        .field("cpuIdStart", a.cpuIdStart()).field("cpuId", a.cpuId());
                nullable(json, "nodeId", a.nodeId());
                nullable(json, "mmCid", a.mmCid());
                json.field("rseqCs", JsonTables.hex(a.rseqCs())).field("rseqCsName", a.rseqCsName())
                        .field("flags", a.flags())
                        .field("kernelMode", a.kernel().mode()).field("kernelExplanation", a.kernel().explanation())
                        .endObject();
            }
            json.name("inside");
            Inside in = t.inside();
            if (in == null) {
                json.value((String) null);
            } else {
                json.beginObject().field("name", in.name()).field("start", JsonTables.hex(in.start()))
                        .field("postCommit", JsonTables.hex(in.postCommit())).field("abort", JsonTables.hex(in.abort()))
                        .field("from", in.how()).endObject();
            }
            json.field("atAbortOf", t.atAbortOf()).endObject();
        }
        json.endArray().name("modules").beginArray();
        for (ModuleStatus m : s.modules()) {
            json.beginObject().field("file", m.file()).field("bias", JsonTables.hex(m.bias()))
                    .field("architecture", m.architecture()).field("criticalSections", m.criticalSections())
                    .name("problems").beginArray();
            for (Problem p : m.problems()) {
                json.beginObject().field("kind", p.kind().id()).field("address", JsonTables.hex(p.address()))
                        .field("message", p.message()).endObject();
            }
            json.endArray().endObject();
        }
        json.endArray().field("modulesWithoutTables", s.modulesWithout()).name("unreadable").beginArray();
        for (ProcessStatus.Unreadable u : s.unreadable()) {
            json.beginObject().field("file", u.file()).field("problem", u.problem()).endObject();
        }
        json.endArray().name("unseen").beginArray();
        s.unseen().forEach(json::value);
        return json.endArray().endObject().toString();
    }

    private static void nullable(JsonWriter json, String name, Integer value) {
        json.name(name);
        if (value == null) {
            json.value((String) null);
        } else {
            json.value(value.longValue());
        }
    }
}
