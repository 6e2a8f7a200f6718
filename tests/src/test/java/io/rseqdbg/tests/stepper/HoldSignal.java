package io.rseqdbg.tests.stepper;

import io.rseqdbg.ptrace.TraceEvent;
import io.rseqdbg.ptrace.Tracer;

/**
 * rseqdbg holding back a signal the program was sent, for {@link SignalHeldWhenRseqdbgDiesTest}:
 * attached to process PID through rseqdbg-tracer, the program sent SIGTERM, the thread that
 * takes it left in its signal stop (as the stepper leaves a held thread). Prints "held", then
 * waits to be killed.
 */
final class HoldSignal {

    private static final int SIGTERM = 15;

    private HoldSignal() {
    }

    public static void main(String[] args) throws Exception {
        int pid = Integer.parseInt(args[0]);
        Tracer tracer = Tracer.attach(pid, Tracer.Holder.TRACER_PROCESS);
        tracer.call(() -> {
            tracer.resumeAll();
            ProcessHandle.of(pid).orElseThrow().destroy();
            return DyingRseqdbg.awaitEvent(tracer, TraceEvent.SignalStop.class, s -> s.signal() == SIGTERM);
        });
        DyingRseqdbg.sayAndAwaitKill("held");
    }
}
