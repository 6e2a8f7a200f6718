package io.rseqdbg.tests.stepper;

import io.rseqdbg.ptrace.Tracer;
import io.rseqdbg.stepper.Inferior;
import io.rseqdbg.stepper.ptrace.PtraceProgram;

/**
 * The stepper's part of stepping two sections in a row under {@code inside}, for
 * {@link RseqCsPutBackWhenRseqdbgDiesTest}: attached to process PID as {@code step --pid} is
 * (through rseqdbg-tracer), its main thread's {@code rseq_cs} set to FIRST (as the program does
 * entering a section) and cleared by the stepper's inferior, then set to SECOND (the program
 * entering its next section) and cleared again. Prints the field's address, then waits to be killed.
 */
final class ClearRseqCsOfTwoSections {

    private ClearRseqCsOfTwoSections() {
    }

    public static void main(String[] args) throws Exception {
        int pid = Integer.parseInt(args[0]);
        long first = Long.decode(args[1]);
        long second = Long.decode(args[2]);
        PtraceProgram program = PtraceProgram.attach(pid, Tracer.Holder.TRACER_PROCESS);
        long field = program.call(() -> {
            long at = program.rseqArea(pid) + Inferior.RSEQ_CS_OFFSET;
            program.writeLong(at, first);
            program.setRseqCs(pid, 0);
            program.writeLong(at, second);
            program.setRseqCs(pid, 0);
            return at;
        });
        DyingRseqdbg.sayAndAwaitKill("0x" + Long.toHexString(field));
    }
}
