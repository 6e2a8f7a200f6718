package io.rseqdbg.stepper;

import io.rseqdbg.ptrace.SignalInfo;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.LongFunction;
import java.util.stream.Collectors;

/**
 * {@code --trace FILE}: one line per stop, {@code tid pc name event}, tab-separated, so that a
 * run can be read back or diffed against another.
 */
public final class TraceWriter implements StepListener, AutoCloseable {

    private final BufferedWriter out;
    private final LongFunction<String> names;
    private final String file;
    /** A write failed (a full disk): said once, by the exception that ended the run. */
    private boolean failed;

    /**
     * @param names {@code symbol+offset} (or another readable name) for an address
     * @param file  the file's name, for the one line that says it cannot be written
     */
    public TraceWriter(BufferedWriter out, LongFunction<String> names, String file) {
        this.out = out;
        this.names = names;
        this.file = file;
    }

    @Override
    public void on(StepEvent event) {
        if (event instanceof StepEvent.Stepped s) {
            line(s.tid(), s.pc(), "step");
        } else if (event instanceof StepEvent.SectionEntered s) {
            line(s.tid(), s.pc(), "enter " + s.section().name());
        } else if (event instanceof StepEvent.SectionStepped s) {
            line(s.tid(), s.pc(), "inside " + s.section().name());
        } else if (event instanceof StepEvent.SectionLeft s) {
            line(s.tid(), s.pc(), s.outcome().word() + " " + s.section().name() + " stops=" + s.stops());
        } else if (event instanceof StepEvent.AbortLoop a) {
            line(a.tid(), a.section().abort(), "abort-loop " + a.section().name() + " times=" + a.times());
        } else if (event instanceof StepEvent.OpvGaveUp g) {
            line(g.tid(), g.section().start(), "opv-gave-up " + g.section().name() + " times=" + g.times());
        } else if (event instanceof StepEvent.SectionBound b) {
            line(b.tid(), b.section().start(), "bound " + b.section().name() + " cpu=" + b.cpu());
        } else if (event instanceof StepEvent.CpuChangeAbort c) {
            line(c.tid(), c.section().abort(), "cpu-change-abort " + c.section().name() + " from=" + c.from()
                    + " to=" + c.to());
        } else if (event instanceof StepEvent.UndeclaredExit u) {
            line(u.tid(), u.pc(), "undeclared-exit " + u.section().name());
        } else if (event instanceof StepEvent.ThreadStarted t) {
            write(t.tid() + "\t-\t-\tthread-start parent=" + t.parent());
        } else if (event instanceof StepEvent.ThreadExited t) {
            write(t.tid() + "\t-\t-\tthread-exit");
        } else if (event instanceof StepEvent.SignalDelivered s) {
            write(s.tid() + "\t-\t-\tsignal " + s.signal() + siginfo(s.info()));
        } else if (event instanceof StepEvent.SyscallReturned c) {
            line(c.tid(), c.pc(), syscallWords(c.call().number(), c.call().result(), c.call().args()));
        } else if (event instanceof StepEvent.JobStopped j) {
            write(j.tid() + "\t-\t-\tjob-stop signal=" + j.signal());
        } else if (event instanceof StepEvent.JobContinued j) {
            write(j.tid() + "\t-\t-\tjob-continue");
        } else if (event instanceof StepEvent.Executed e) {
            write(e.tid() + "\t-\t-\texec " + e.program());
        } else if (event instanceof StepEvent.Forked f) {
            write(f.tid() + "\t-\t-\t" + (f.vfork() ? "vfork" : "fork") + " child=" + f.child());
        } else if (event instanceof StepEvent.ProcessExited p) {
            write(p.tid() + "\t-\t-\texit status=" + p.status());
        }
    }

    /** A system call in the words of a trace: {@code syscall nr=N result=R args=0xA,0xB,...}. */
    public static String syscallWords(long number, long result, java.util.List<Long> args) {
        return "syscall nr=" + number + " result=" + result + " args="
                + args.stream().map(a -> "0x" + Long.toHexString(a)).collect(Collectors.joining(","));
    }

    /** " code=C pid=P" for a signal a process sent, " code=C addr=0xA" for a fault, " code=C" else. */
    private static String siginfo(SignalInfo info) {
        if (info == null) {
            return "";
        }
        String where = info.senderPid() != 0 ? " pid=" + info.senderPid()
                : info.address() != 0 ? " addr=0x" + Long.toHexString(info.address()) : "";
        return " code=" + info.code() + where;
    }

    private void line(int tid, long pc, String what) {
        write(tid + "\t0x" + Long.toHexString(pc) + "\t" + names.apply(pc) + "\t" + what);
    }

    private void write(String line) {
        if (failed) {
            return;
        }
        try {
            out.write(line);
            out.newLine();
        } catch (IOException e) {
            throw failure(e);
        }
    }

    /** Flushes and closes; after a failed write only closes, since that failure was reported. */
    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            if (!failed) {
                throw failure(e);
            }
        }
    }

    private UncheckedIOException failure(IOException e) {
        failed = true;
        return new UncheckedIOException("cannot write the trace file " + file + ": " + e.getMessage(), e);
    }
}
