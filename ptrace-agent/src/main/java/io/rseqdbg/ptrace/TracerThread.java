package io.rseqdbg.ptrace;

import io.rseqdbg.ptrace.internal.Syscalls;
import io.rseqdbg.ptrace.internal.TracerProcess;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one platform thread that makes every ptrace and waitpid call of a tracer: the kernel
 * answers ptrace requests only from the thread that attached (any other thread gets ESRCH).
 * Other threads hand it work and wait. When it sits in a blocking waitpid, a hand-over wakes it
 * with a tgkill of {@link #WAKE_SIGNAL}, whose handler does nothing and has no SA_RESTART, so
 * waitpid returns EINTR and the work runs in between. The signal is resent every 20 ms until the
 * work has started: a wake sent just before the thread enters waitpid is otherwise lost.
 */
final class TracerThread {
    /** A real-time signal nothing else in the JVM uses (SIGRTMAX - 3). */
    static final int WAKE_SIGNAL = 61;
    private static final long RESEND_MILLIS = 20;

    /** Marks tracer threads, so a child process is never started from one (see {@link Launcher}). */
    private static final ThreadLocal<Boolean> TRACER = ThreadLocal.withInitial(() -> false);

    private final Thread thread;
    private final BlockingQueue<FutureTask<?>> tasks = new LinkedBlockingQueue<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile boolean inWait;
    private volatile boolean running = true;
    private volatile int nativeTid;
    private final TracerProcess tracerProcess;
    private Syscalls syscalls;
    private Throwable startFailure;

    TracerThread(String name) {
        this(name, null);
    }

    /** With {@code tracerProcess}, that process makes the ptrace and waitpid calls this thread asks for. */
    TracerThread(String name, TracerProcess tracerProcess) {
        this.tracerProcess = tracerProcess;
        thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
        try {
            started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TraceException("start tracer", 0, 0, "interrupted while starting the tracer thread");
        }
        if (startFailure != null) {
            throw new TraceException("start tracer", 0, 0, "cannot start the tracer thread: " + startFailure);
        }
    }

    private void loop() {
        TRACER.set(true);
        try {
            installWakeHandler();
            nativeTid = Syscalls.gettid();
            syscalls = new Syscalls(tracerProcess);
        } catch (Throwable t) {
            startFailure = t;
            started.countDown();
            return;
        }
        started.countDown();
        while (running) {
            try {
                tasks.take().run();
            } catch (InterruptedException e) {
                // nothing interrupts this thread on purpose; keep serving
            }
        }
        // Anyone still waiting gets an answer rather than a hang.
        FutureTask<?> left;
        while ((left = tasks.poll()) != null) {
            left.cancel(false);
        }
    }

    private static synchronized void installWakeHandler() {
        // The handler is process-wide and installed once; the unblock is per thread.
        Syscalls.installWakeHandler(WAKE_SIGNAL);
    }

    /** What /proc/PID/status shows as TracerPid of its tracees: this thread, or the tracer process. */
    int tid() {
        return tracerProcess != null ? tracerProcess.pid() : nativeTid;
    }

    Syscalls syscalls() {
        return syscalls;
    }

    static boolean onAnyTracerThread() {
        return TRACER.get();
    }

    boolean isCurrent() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code work} on the tracer thread: directly when already there, else handed over. */
    <T> T call(Callable<T> work) {
        return call(work, Long.MAX_VALUE);
    }

    /** As {@link #call(Callable)}, giving up after {@code timeoutMillis}. */
    <T> T call(Callable<T> work, long timeoutMillis) {
        if (isCurrent()) {
            try {
                return work.call();
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new TraceException("call", 0, 0, e.toString());
            }
        }
        if (!running || !thread.isAlive()) {
            throw new TracerClosedException("call");
        }
        FutureTask<T> task = new FutureTask<>(work);
        tasks.add(task);
        long deadline = timeoutMillis == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() / 1_000_000 + timeoutMillis;
        while (true) {
            if (inWait) {
                syscalls.interruptWait(nativeTid, WAKE_SIGNAL);
            }
            try {
                return task.get(RESEND_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // A task that closed the tracer ends the thread as it completes: its result
                // still counts (the next get returns it at once).
                if (!thread.isAlive() && !task.isDone()) {
                    throw new TracerClosedException("call");
                }
                if (System.nanoTime() / 1_000_000 > deadline) {
                    throw new TraceException("call", 0, 0, "the tracer thread did not answer within " + timeoutMillis + " ms");
                }
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new TraceException("call", 0, 0, String.valueOf(cause));
            } catch (java.util.concurrent.CancellationException e) {
                throw new TracerClosedException("call");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TraceException("call", 0, 0, "interrupted while waiting for the tracer thread");
            }
        }
    }

    /** True when work has been handed over and waits; checked by the tracer thread between waits. */
    boolean hasTasks() {
        return !tasks.isEmpty();
    }

    /** Runs the handed-over work now, on the tracer thread (from inside a long wait). */
    void runTasks() {
        FutureTask<?> task;
        while ((task = tasks.poll()) != null) {
            task.run();
        }
    }

    /**
     * Marks the thread as about to block in waitpid; false (and not marked) when work arrived,
     * which must run first.
     */
    boolean enterWait() {
        inWait = true;
        if (!tasks.isEmpty()) {
            inWait = false;
            return false;
        }
        return true;
    }

    void leaveWait() {
        inWait = false;
    }

    /** Ends the thread once the current work is done. */
    void stop() {
        running = false;
        tasks.add(new FutureTask<>(() -> null));
    }
}
