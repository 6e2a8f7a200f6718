package io.rseqdbg.tests.ptrace;

import io.rseqdbg.ptrace.TraceEvent;
import io.rseqdbg.ptrace.Tracer;
import io.rseqdbg.ptrace.TracerClosedException;

/**
 * A tracer in a JVM of its own, for {@link ShutdownTest}: attaches to PID, plants a breakpoint at
 * ADDRESS (hex), lets the program run, prints "ready" and waits for events — until SIGTERM.
 */
public final class TracerHoldingMain {
    private TracerHoldingMain() {
    }

    public static void main(String[] args) {
        int pid = Integer.parseInt(args[0]);
        long address = Long.parseUnsignedLong(args[1], 16);
        Tracer tracer = Tracer.attach(pid);
        tracer.insertBreakpoint(pid, address);
        tracer.resumeAll();
        System.out.println("ready");
        System.out.flush();
        try {
            while (true) {
                TraceEvent e = tracer.waitEvent();
                if (e instanceof TraceEvent.ProcessExited || e instanceof TraceEvent.ProcessKilled) {
                    return;
                }
                if (!(e instanceof TraceEvent.ThreadExited)) {
                    tracer.cont(e.tid());
                }
            }
        } catch (TracerClosedException e) {
            System.out.println("closed");
        }
    }
}
