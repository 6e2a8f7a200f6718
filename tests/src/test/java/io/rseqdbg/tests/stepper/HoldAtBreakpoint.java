package io.rseqdbg.tests.stepper;

import io.rseqdbg.ptrace.TraceEvent;
import io.rseqdbg.ptrace.Tracer;

/**
 * rseqdbg at the worst moment to die, for {@link BreakpointTakenWhenRseqdbgDiesTest}: attached to
 * process PID through rseqdbg-tracer, a breakpoint planted at ADDRESS, hit and taken (the pc
 * moved back onto it, as the stepper's tracer does), that thread left stopped there and the
 * others running into it. Prints "hit", then waits to be killed.
 */
final class HoldAtBreakpoint {

    private HoldAtBreakpoint() {
    }

    public static void main(String[] args) throws Exception {
        int pid = Integer.parseInt(args[0]);
        long address = Long.decode(args[1]);
        Tracer tracer = Tracer.attach(pid);
        tracer.call(() -> {
            tracer.insertBreakpoint(pid, address);
            tracer.resumeAll();
            while (!(tracer.waitEvent() instanceof TraceEvent.BreakpointHit)) {
                // an interrupt's or another thread's stop: only the hit matters
            }
            return null;
        });
        DyingRseqdbg.sayAndAwaitKill("hit");
    }
}
