package io.rseqdbg.ptrace;

import static io.rseqdbg.ptrace.internal.NativeError.ESRCH;

import io.rseqdbg.ptrace.internal.NativeError;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who is traced: every traced process and thread by id, the lookups that fail with one clear
 * line when a request names one that is not (or one that is running), and the queries about
 * them. Tracer thread only.
 */
final class Tracees {
    private final Map<Integer, ThreadState> threads = new HashMap<>();
    private final Map<Integer, ProcessState> processes = new LinkedHashMap<>();
    private boolean closed;

    // ------------------------------------------------------------------ bookkeeping

    void register(ProcessState p, ThreadState t) {
        processes.putIfAbsent(p.pid, p);
        p.threads.put(t.tid, t);
        threads.put(t.tid, t);
    }

    /** A process being attached, before any of its threads is registered. */
    void add(ProcessState p) {
        processes.put(p.pid, p);
    }

    /** Undoes {@link #add} of a process whose attach failed. */
    void remove(int pid) {
        processes.remove(pid);
    }

    void forget(ProcessState p) {
        for (ThreadState t : p.threads.values()) {
            threads.remove(t.tid);
        }
        p.threads.clear();
        processes.remove(p.pid, p);
        ProcessMemory.close(p);
    }

    /** A thread that exited or died in an exec. */
    void forget(ThreadState t) {
        threads.remove(t.tid);
        t.process.threads.remove(t.tid);
    }

    /** The traced thread {@code tid}, null when there is none. */
    ThreadState thread(int tid) {
        return threads.get(tid);
    }

    /** The traced process {@code pid}, null when there is none. */
    ProcessState processOrNull(int pid) {
        return processes.get(pid);
    }

    /** A copy: callers may forget processes while they go through it. */
    List<ProcessState> processes() {
        return new ArrayList<>(processes.values());
    }

    /** A copy: callers may forget threads while they go through it. */
    List<ThreadState> threads() {
        return new ArrayList<>(threads.values());
    }

    boolean noProcess() {
        return processes.isEmpty();
    }

    void markClosed() {
        closed = true;
    }

    // ------------------------------------------------------------------ lookups for requests

    void ensureOpen(String request) {
        if (closed) {
            throw new TracerClosedException(request);
        }
    }

    ThreadState known(int tid, String request) {
        ensureOpen(request);
        ThreadState t = threads.get(tid);
        if (t == null) {
            throw new TraceException(request, tid, ESRCH, request + ": " + tid + " is not a traced thread");
        }
        return t;
    }

    /**
     * Thread {@code id}; or, where {@code id} is a process whose leader is not traced (it called
     * pthread_exit before the attach: a zombie until the process ends), a live thread of it, to
     * answer for the whole process (its memory, its CPU).
     */
    ThreadState threadOrMember(int id, String request) {
        ProcessState p = threads.containsKey(id) ? null : processes.get(id);
        ThreadState member = p == null ? null : p.anyThread();
        return member != null ? member : known(id, request);
    }

    ThreadState stoppedThread(int tid, String request) {
        ThreadState t = known(tid, request);
        if (!t.stopped) {
            throw new TraceException(request, tid, 0, request + ": thread " + tid + " is running; it must be stopped first");
        }
        return t;
    }

    ProcessState process(int pid, String request) {
        ensureOpen(request);
        ProcessState p = processes.get(pid);
        if (p == null) {
            ThreadState t = threads.get(pid);
            if (t != null) {
                return t.process;
            }
            throw new TraceException(request, pid, ESRCH, request + ": " + pid + " is not a traced process");
        }
        return p;
    }

    /** {@code e} failed on thread {@code tid}: the exception for the user (see {@link TraceErrors}). */
    TraceException fail(NativeError e, int tid) {
        return TraceErrors.of(e, tid, threads.get(tid));
    }

    // ------------------------------------------------------------------ queries

    List<Integer> pids() {
        return new ArrayList<>(processes.keySet());
    }

    List<Integer> threadIds(int pid) {
        return new ArrayList<>(process(pid, "threads").threads.keySet());
    }

    boolean isStopped(int tid) {
        ThreadState t = threads.get(tid);
        return t != null && t.stopped;
    }

    int processOf(int tid) {
        return known(tid, "process of").process.pid;
    }

    static List<Integer> tids(Collection<ThreadState> list) {
        List<Integer> ids = new ArrayList<>(list.size());
        for (ThreadState t : list) {
            ids.add(t.tid);
        }
        return ids;
    }
}
