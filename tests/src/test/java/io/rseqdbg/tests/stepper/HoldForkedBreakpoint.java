package io.rseqdbg.tests.stepper;

import io.rseqdbg.ptrace.TraceEvent;
import io.rseqdbg.ptrace.Tracer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A breakpoint copied by a fork, for {@link ForkedBreakpointWhenRseqdbgDiesTest}: attached to
 * process PID (fork-ticks) through rseqdbg-tracer, a breakpoint planted at ADDRESS (its child's
 * tick), GO_FILE created so that it forks, the parent and its child set going. Prints
 * "forked CHILD", then waits to be killed before the child reaches its copy of the int3.
 */
final class HoldForkedBreakpoint {

    private HoldForkedBreakpoint() {
    }

    public static void main(String[] args) throws Exception {
        int pid = Integer.parseInt(args[0]);
        long address = Long.decode(args[1]);
        Path go = Path.of(args[2]);
        Tracer tracer = Tracer.attach(pid, Tracer.Holder.TRACER_PROCESS);
        int child = tracer.call(() -> {
            tracer.insertBreakpoint(pid, address);
            tracer.resumeAll();
            Files.createFile(go);
            TraceEvent.Forked f = DyingRseqdbg.awaitEvent(tracer, TraceEvent.Forked.class, any -> true);
            tracer.cont(f.tid());
            tracer.cont(f.childPid());
            return f.childPid();
        });
        DyingRseqdbg.sayAndAwaitKill("forked " + child);
    }
}
