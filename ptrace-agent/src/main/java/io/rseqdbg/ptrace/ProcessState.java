package io.rseqdbg.ptrace;

import java.nio.channels.FileChannel;
import java.util.LinkedHashMap;
import java.util.Map;

/** A traced process: its threads and the address space they share. Tracer thread only. */
final class ProcessState {
    final int pid;
    AddressSpace space;
    /** Known after the first register read; reset by exec. */
    Arch arch;
    final Map<Integer, ThreadState> threads = new LinkedHashMap<>();
    /** /proc/PID/task/TID/mem, opened on first need; it follows the address space, so exec closes it. */
    FileChannel mem;
    /** The one CPU every thread runs on for the whole run ({@code --bind}), or -1. */
    int runCpu = -1;

    ProcessState(int pid, AddressSpace space) {
        this.pid = pid;
        this.space = space;
    }

    /** A thread that can answer ptrace requests about the address space, preferring a stopped one. */
    ThreadState anyThread() {
        ThreadState running = null;
        for (ThreadState t : threads.values()) {
            if (t.zombie) {
                continue;
            }
            if (t.stopped) {
                return t;
            }
            running = running == null ? t : running;
        }
        return running;
    }
}
