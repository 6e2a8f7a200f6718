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
            while (true) {
                TraceEvent e = tracer.waitEvent();
                if (e instanceof TraceEvent.SignalStop s && s.signal() == SIGTERM) {
                    return null;
                }
                if (tracer.isStopped(e.tid())) {
                    tracer.cont(e.tid());
                }
            }
        });
        System.out.println("held");
        System.out.flush();
        Thread.sleep(600_000);
    }
}
