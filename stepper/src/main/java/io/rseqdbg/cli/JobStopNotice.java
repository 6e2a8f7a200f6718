package io.rseqdbg.cli;

import io.rseqdbg.stepper.StepEvent;
import io.rseqdbg.stepper.StepListener;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.Set;

/**
 * Tells the user, once per job-control stop of the program, why stepping stands still: the
 * program is stopped (SIGSTOP, SIGTSTP...) as without rseqdbg, and stays so until SIGCONT.
 */
final class JobStopNotice implements StepListener {

    private final PrintStream err;
    /** The process to name in the hint, or 0 to name the first stopped thread (kill works with either). */
    private final long pid;
    private final Set<Integer> stopped = new HashSet<>();
    private String stoppedBy = "";
    private long named;

    JobStopNotice(PrintStream err, long pid) {
        this.err = err;
        this.pid = pid;
    }

    @Override
    public void on(StepEvent event) {
        if (event instanceof StepEvent.JobStopped j) {
            if (stopped.isEmpty()) {
                stoppedBy = name(j.signal());
                named = pid > 0 ? pid : j.tid();
                err.println("rseqdbg: the program is stopped by " + stoppedBy + " and stays stopped;"
                        + " stepping goes on when it gets SIGCONT (kill -CONT " + named
                        + "); Ctrl-C detaches and leaves it stopped");
            }
            stopped.add(j.tid());
        } else if (event instanceof StepEvent.JobContinued j) {
            if (stopped.remove(j.tid()) && stopped.isEmpty()) {
                err.println("rseqdbg: the program got SIGCONT; stepping goes on");
            }
        } else if (event instanceof StepEvent.ThreadExited t) {
            stopped.remove(t.tid());
        }
    }

    /** After a detach: says that the program is still stopped, when it is. */
    void afterDetach() {
        if (!stopped.isEmpty()) {
            err.println("rseqdbg: the program is still stopped by " + stoppedBy + "; kill -CONT " + named
                    + " lets it go on");
        }
    }

    private static String name(int signal) {
        return SignalNames.of(signal);
    }
}
