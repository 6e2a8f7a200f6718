package io.rseqdbg.stepper;

import java.util.function.Consumer;

/**
 * Job control while stepping: a thread in a group-stop (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, sent
 * before or during the run) stays stopped as the kernel wants, listened to, until SIGCONT; then it
 * goes on exactly as it was moving (its section, mode and holds untouched meanwhile). Until then
 * it counts as running: a hold interrupts it, and it reports its group-stop again.
 */
final class JobControl {

    private final Inferior inferior;
    private final StepListener listener;
    private final Consumer<SteppedThread> proceed;

    JobControl(Inferior inferior, StepListener listener, Consumer<SteppedThread> proceed) {
        this.inferior = inferior;
        this.listener = listener;
        this.proceed = proceed;
    }

    /** The thread reported a group-stop; {@code letGoSoon}: the run is ending, leave it stopped as it is. */
    void stopped(SteppedThread t, int signal, boolean letGoSoon) {
        if (!t.jobStopped) {
            t.jobStopped = true;
            listener.on(new StepEvent.JobStopped(t.tid, signal));
        }
        if (!letGoSoon) {
            t.running = true; // not in a ptrace-stop: it reports again at SIGCONT
            inferior.listen(t.tid);
        }
    }

    /** SIGCONT ended the thread's group-stop: move it on the way it was moving. */
    void continued(SteppedThread t) {
        t.jobStopped = false;
        listener.on(new StepEvent.JobContinued(t.tid));
        if (t.section != null && t.abortedBySignal) {
            // It took its signal inside a section, bound for the handler: one step, as at the signal.
            t.running = true;
            inferior.step(t.tid, 0);
        } else {
            proceed.accept(t);
        }
    }
}
