"""Runs one stopped thread out of a critical section behind gdb's back, with raw ptrace.

gdb cannot resume a thread from inside a breakpoint's stop() method, and its own stepping would
stop inside the section. So the bridge, on gdb's tracer thread and while gdb holds every thread
stopped (all-stop), resumes only this thread itself and waits for it, then hands it back stopped
at the place the section left to. Nothing stays planted: gdb's own breakpoints inside the section
are replaced by the original code for the run, and the bridge's traps at the ways out are removed.
"""

import dataclasses
import os
import signal

from . import native

INT3 = b"\xcc"
RUN_TIMEOUT = 2.0
STEP_LIMIT = 100000
RUN_ON_LIMIT = 1000  # an abort handler is a jump or two back to C; more means something else is wrong


@dataclasses.dataclass(frozen=True)
class Placement:
    """A critical section at its run-time addresses, as the bridge guards it.

    ``entry`` is where a run may begin: the instruction whose successor is ``start`` when it is
    known (then the store into ``rseq_cs`` still lies ahead and the section runs with the kernel's
    protection), else ``start`` itself. ``code`` is the original bytes of [entry, post_commit).
    """

    section: object
    entry: int
    code: bytes

    def starts_run(self, pc):
        return pc == self.entry or self.section.contains(pc)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """How a run ended: committed, aborted, exited, interrupted (by ``detail``), or stuck."""

    kind: str
    pc: int
    detail: str = ""

    def describe(self, name):
        text = "rseq: %s %s" % (name, self.kind)
        return text + (" (%s)" % self.detail if self.detail else "")


class SectionRunner:
    """Runs threads of one process out of their critical sections.

    A signal that arrives during a run is held back and queued again for the thread when the run
    is over: the thread takes it, outside the section, as soon as gdb resumes it, and gdb sees it
    as it would have.
    """

    def __init__(self, pid, memory, areas, bindings, verify_held=False):
        self.pid = pid
        self._memory = memory
        self._areas = areas
        self._bindings = bindings
        # Tests turn this on: each run first checks in /proc that every other thread is stopped.
        self._verify_held = verify_held

    def run_out(self, tid, placement, pc):
        cs = placement.section
        if self._verify_held:
            running = native.running_threads(self.pid, tid)
            if running:
                return Outcome("interrupted", pc, "threads %s were running, nothing done" % running)
        held = []
        restored = None
        try:
            if cs.contains(pc):
                # Stopped inside: the kernel would abort the section on resume. Every other thread is
                # held, so clearing rseq_cs keeps the section atomic while it finishes, and binding
                # the thread keeps it on the CPU it started on.
                refused = self.clear_and_bind(tid, cs)
                if refused is not None:
                    return refused
            restored = self._restore_code(placement)
            if cs.exits_declared:
                return self._continue_to_way_out(tid, cs, held)
            return self._step_through(tid, cs, held)
        finally:
            # Out of the section (or given up on): its own mask back, whatever happened.
            self._bindings.release(tid)
            if restored is not None:
                self._memory.write(placement.entry, restored)
            for signo in dict.fromkeys(held):
                native.tgkill(self.pid, tid, signo)

    def step_entry(self, tid, placement):
        """Executes the instruction at ``placement.entry`` (the store into rseq_cs) for gdb, which then
        finds the thread at start_ip with rseq_cs cleared and the thread bound to its CPU.

        So gdb steps a section (policy inside, step and next) from its first instruction without a
        breakpoint at start_ip. Returns None, or the Outcome when the thread did not stay inside
        (a signal's handler, binding refused: then it stands at the abort handler).
        """
        cs = placement.section
        held = []
        restored = self._restore_code(placement)
        try:
            native.resume(tid, step=True)
            outcome = self._trapped(tid, native.wait(tid, RUN_TIMEOUT), held, step=True)
            if outcome is not None:
                return outcome
            pc = native.Registers(tid).pc
            if not cs.contains(pc):
                return Outcome(cs.outcome_at(pc), pc)
            return self.clear_and_bind(tid, cs)
        finally:
            if restored is not None:
                self._memory.write(placement.entry, restored)
            for signo in dict.fromkeys(held):
                native.tgkill(self.pid, tid, signo)

    def step_while(self, tid, going_on):
        """Single-steps ``tid`` while ``going_on(pc)`` says so, at most RUN_ON_LIMIT times.

        For code gdb cannot step by lines (an abort handler in ``__rseq_failure`` has no symbol):
        the bridge runs it on to where gdb can. Returns the pc it stopped at, or the Outcome that
        ended it (the thread ended, a timeout); signals are held back and queued again after.
        """
        held = []
        try:
            pc = native.Registers(tid).pc
            for _ in range(RUN_ON_LIMIT):
                if not going_on(pc):
                    break
                native.resume(tid, step=True)
                outcome = self._trapped(tid, native.wait(tid, RUN_TIMEOUT), held, step=True)
                if outcome is not None:
                    return outcome
                pc = native.Registers(tid).pc
            return pc
        finally:
            for signo in dict.fromkeys(held):
                native.tgkill(self.pid, tid, signo)

    def clear_and_bind(self, tid, cs):
        """rseq_cs cleared and ``tid`` bound to the CPU its area names: None, or the abort when refused."""
        self._areas.clear_rseq_cs(tid)
        cpu = self._areas.cpu_id(tid)
        if cpu is None:
            return None  # no rseq area: the kernel would never abort this section anyway
        if self._bindings.bind(tid, cpu):
            return None
        return self.abort(tid, cs, "cannot bind to cpu %d" % cpu)

    def moved_off(self, tid, cs):
        """None while a bound thread is where it was bound, else the abort (as the kernel's on migration)."""
        if self._bindings.cpu(tid) is None or self._bindings.holds(tid, self._areas.cpu_id(tid)):
            return None
        return self.abort(tid, cs, "cpu changed")

    def abort(self, tid, cs, why):
        """What the kernel does to a section whose thread migrates: rseq_cs cleared, pc at abort_ip."""
        self._areas.clear_rseq_cs(tid)
        native.Registers(tid).move_pc(cs.abort)
        self._bindings.release(tid)
        return Outcome(cs.outcome_at(cs.abort), cs.abort, why)

    def _restore_code(self, placement):
        """Replaces gdb's breakpoints in the code the run executes; returns what to put back."""
        present = self._memory.read(placement.entry, len(placement.code))
        if present == placement.code:
            return None
        self._memory.write(placement.entry, placement.code)
        return present

    def _continue_to_way_out(self, tid, cs, held):
        planted = {}
        try:
            for at in cs.ways_out():
                if at not in planted:
                    byte = self._memory.read(at, 1)
                    if byte != INT3:  # gdb's own breakpoint traps there just as well
                        self._memory.write(at, INT3)
                    planted[at] = byte
            while True:
                native.resume(tid, step=False)
                outcome = self._trapped(tid, native.wait(tid, RUN_TIMEOUT), held, step=False)
                if outcome is not None:
                    return outcome
                regs = native.Registers(tid)
                if regs.pc - 1 in planted:
                    regs.move_pc(regs.pc - 1)
                    return Outcome(cs.outcome_at(regs.pc), regs.pc)
                if regs.pc - 1 >= 0 and self._memory.read(regs.pc - 1, 1) == INT3:
                    regs.move_pc(regs.pc - 1)  # someone else's breakpoint: gdb finds the thread before it
                    return Outcome("interrupted", regs.pc, "by a breakpoint")
        finally:
            for at, byte in planted.items():
                if byte != INT3:
                    self._memory.write(at, byte)

    def _step_through(self, tid, cs, held):
        """For sections whose file declares no exits: the ways out are unknown, so single-step.

        Each stop inside: rseq_cs cleared (the store into it may just have run), the thread bound
        to its CPU from the first one on, and sent to the abort handler if that CPU changed.
        """
        for _ in range(STEP_LIMIT):
            native.resume(tid, step=True)
            outcome = self._trapped(tid, native.wait(tid, RUN_TIMEOUT), held, step=True)
            if outcome is not None:
                return outcome
            pc = native.Registers(tid).pc
            if not cs.contains(pc):
                return Outcome(cs.outcome_at(pc), pc)
            if self._bindings.cpu(tid) is None:
                outcome = self.clear_and_bind(tid, cs)
            else:
                self._areas.clear_rseq_cs(tid)
                outcome = self.moved_off(tid, cs)
            if outcome is not None:
                return outcome
        return Outcome("stuck", native.Registers(tid).pc, "still inside after %d steps" % STEP_LIMIT)

    def _trapped(self, tid, status, held, step):
        """None when the thread stopped with SIGTRAP, else the Outcome that ends the run.

        Other signals are held back (appended to ``held``) and the thread is resumed again.
        """
        while True:
            if status is None:
                return self._stop_stuck(tid, held)
            if os.WIFEXITED(status) or os.WIFSIGNALED(status):
                return Outcome("interrupted", 0, "the thread ended")
            if not os.WIFSTOPPED(status) or status >> 16:
                return Outcome("interrupted", native.Registers(tid).pc, "wait status 0x%x" % status)
            signo = os.WSTOPSIG(status)
            if signo == signal.SIGTRAP:
                return None
            held.append(signo)
            native.resume(tid, step=step)
            status = native.wait(tid, RUN_TIMEOUT)

    def _stop_stuck(self, tid, held):
        native.tgkill(self.pid, tid, signal.SIGSTOP)
        while True:
            status = native.wait_blocking(tid)
            if not os.WIFSTOPPED(status) or os.WSTOPSIG(status) in (signal.SIGSTOP, signal.SIGTRAP):
                break  # our SIGSTOP is consumed here: gdb never sees it
            held.append(os.WSTOPSIG(status))
            native.resume(tid, step=False)
        pc = native.Registers(tid).pc if os.WIFSTOPPED(status) else 0
        return Outcome("stuck", pc, "still running after %.0f s, stopped" % RUN_TIMEOUT)
