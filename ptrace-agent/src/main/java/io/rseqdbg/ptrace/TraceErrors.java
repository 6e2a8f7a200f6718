package io.rseqdbg.ptrace;

import static io.rseqdbg.ptrace.internal.NativeError.EPERM;
import static io.rseqdbg.ptrace.internal.NativeError.ESRCH;

import io.rseqdbg.ptrace.internal.NativeError;

/**
 * Turns failed system calls into {@link TraceException}s with one clear line for the user. ESRCH
 * and EPERM are checked against /proc and Yama before the user is blamed: a running thread, a
 * thread that is gone, another tracer, the ptrace scope.
 */
final class TraceErrors {
    private TraceErrors() {
    }

    /** {@code e} failed on thread {@code tid}; {@code t} is what the tracer knows of it, null when nothing. */
    static TraceException of(NativeError e, int tid, ThreadState t) {
        String request = e.call();
        if (e.errno() == ESRCH) {
            if (t != null && !t.stopped) {
                return new TraceException(request, tid, ESRCH, request + ": thread " + tid + " is running; it must be stopped first");
            }
            if (ProcFs.status(tid).isEmpty()) {
                return new TraceException(request, tid, ESRCH, request + ": thread " + tid + " is gone");
            }
        }
        if (e.errno() == EPERM && request.equals("PTRACE_SEIZE")) {
            return notPermitted("attach", tid);
        }
        return new TraceException(request, tid, e.errno(), request + " " + tid + ": " + NativeError.describe(e.errno()));
    }

    static TraceException noSuchProcess(String request, int pid) {
        return new TraceException(request, pid, ESRCH, request + " " + pid + ": no such process");
    }

    /** {@code tracer} is TracerPid: the tracing thread, named here by its process. */
    static TraceException alreadyTraced(String request, int pid, int tracer) {
        int process = ProcFs.status(tracer).map(ProcFs.Status::tgid).orElse(tracer);
        String name = ProcFs.status(process).map(ProcFs.Status::name).orElse("?");
        return new TraceException(request, pid, EPERM, request + " " + pid + ": already traced by process "
                + process + " (" + name + ")");
    }

    static TraceException notPermitted(String request, int pid) {
        return new TraceException(request, pid, EPERM, request + " " + pid + ": not permitted: "
                + PtraceRefusal.explain(pid));
    }
}
