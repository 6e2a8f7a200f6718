package io.rseqdbg.stepper.replay;

import io.rseqdbg.stepper.Outcome;
import io.rseqdbg.stepper.SyscallAnswer;
import java.util.List;

/**
 * One record of a trace file (README, "Trace format"). Threads are logical ids (creation order,
 * 0 = the first thread); {@code count} is the thread's own instruction count when it happened;
 * code addresses are a module index (a {@link Module} record came first) and an offset in it.
 */
public sealed interface TraceRecord {

    /**
     * The first record of every trace. {@code cpu} is the one CPU the run was bound to;
     * {@code environment} the program's, as {@code NAME=VALUE} sorted by name (empty in a version 1
     * trace, which did not record it); {@code chaosSeed} the seed of {@code record --chaos} when
     * {@code chaos}.
     */
    record Header(int formatVersion, String rseqdbgVersion, List<String> command, String workingDirectory,
                  String kernelRelease, int cpuCount, int cpu, String policy, long sliceLength,
                  long blockTimeoutMillis, List<String> environment, boolean chaos, long chaosSeed)
            implements TraceRecord {
        public Header {
            command = List.copyOf(command);
            environment = List.copyOf(environment);
        }

        /** A header without environment and without chaos (what a version 1 trace holds). */
        public Header(int formatVersion, String rseqdbgVersion, List<String> command, String workingDirectory,
                      String kernelRelease, int cpuCount, int cpu, String policy, long sliceLength,
                      long blockTimeoutMillis) {
            this(formatVersion, rseqdbgVersion, command, workingDirectory, kernelRelease, cpuCount, cpu, policy,
                    sliceLength, blockTimeoutMillis, List.of(), false, 0);
        }

        /** True when the trace holds the program's environment (format version 2 and later). */
        public boolean hasEnvironment() {
            return formatVersion >= 2;
        }
    }

    /** A module met for the first time; {@code sha256} of the file, {@code tablesDigest} of its sections (hex). */
    record Module(int index, String path, String sha256, String tablesDigest) implements TraceRecord {
    }

    /** {@code parent}: the creating thread, or -1 for a thread there from the start. */
    record ThreadStart(int thread, long count, int parent) implements TraceRecord {
    }

    record ThreadExit(int thread, long count) implements TraceRecord {
    }

    /** Entry into the section starting at {@code module}+{@code offset}; {@code cpu}: the cpu_id seen. */
    record Enter(int thread, long count, int module, long offset, int cpu) implements TraceRecord {
    }

    /** Left the section at {@code module}+{@code offset} with {@code outcome}, at pc {@code module}+{@code pcOffset}. */
    record Leave(int thread, long count, Outcome outcome, int module, long offset, long pcOffset)
            implements TraceRecord {
    }

    record Signal(int thread, long count, int signal) implements TraceRecord {
    }

    /**
     * A system call returned (x86-64 numbering): its six argument registers, its result, and for
     * a call replay answers itself ({@link AnsweredCalls}) the bytes it stored through its pointer
     * arguments. {@code count}: the thread's instructions before the call.
     */
    record Syscall(int thread, long count, long number, List<Long> args, long result,
                   List<SyscallAnswer.Output> outputs) implements TraceRecord {
        public Syscall {
            args = List.copyOf(args);
            outputs = List.copyOf(outputs);
        }
    }

    /**
     * The scheduler ran {@code thread} for {@code instructions} and switched: the watchdog found
     * it blocked in the kernel ({@code blocked}), it ended ({@code exited}), or its slice was used up.
     * {@code next}: the thread chosen to run next (-1: none left).
     */
    record Slice(int thread, long instructions, boolean blocked, boolean exited, int next) implements TraceRecord {
    }

    /** The program's end: {@code status} as a shell reports it (128 + signal when killed). */
    record Exit(int status, int signal) implements TraceRecord {
    }
}
