"""Threads bound to one CPU while their ``rseq_cs`` is cleared inside a critical section.

A cleared ``rseq_cs`` takes away the kernel's abort on migration too, and a section must run on
one CPU from start to commit (compare-twice builds check it). So while the bridge lets a thread
run or step inside a section with the field cleared, the thread is bound to the CPU its rseq area
names, and it gets its own mask back as soon as the bridge lets go of it (DESIGN.md, Things that
bite). The bridge leaves every other thread's mask alone.
"""

from . import native


class Bindings:
    """The bound threads of one process, each with the mask it had before."""

    def __init__(self):
        self._bound = {}  # tid -> (cpu, its own mask)

    def bind(self, tid, cpu):
        """Binds ``tid`` to ``cpu``; False when the kernel refuses (a cpuset without it, the CPU offline)."""
        if tid in self._bound:
            if self._bound[tid][0] == cpu:
                return True
            self.release(tid)
        try:
            own = native.affinity(tid)
            native.set_affinity(tid, {cpu})
        except OSError:
            return False
        self._bound[tid] = (cpu, own)
        return True

    def cpu(self, tid):
        """The CPU ``tid`` is bound to, else None."""
        bound = self._bound.get(tid)
        return bound[0] if bound else None

    def holds(self, tid, cpu_now):
        """True while a bound thread still runs where it was bound: the same CPU, a mask of that CPU only.

        The kernel rewrites a mask whose CPU went offline or left the cpuset: then its next
        instruction would run elsewhere.
        """
        cpu = self.cpu(tid)
        if cpu is None:
            return True
        try:
            return cpu_now == cpu and native.affinity(tid) == {cpu}
        except OSError:
            return False

    def release(self, tid):
        """Gives ``tid`` its own mask back (nothing when it is not bound, or gone)."""
        bound = self._bound.pop(tid, None)
        if bound is None:
            return
        try:
            native.set_affinity(tid, bound[1])
        except OSError:
            pass  # the thread is gone: nothing left to restore

    def release_all(self):
        for tid in list(self._bound):
            self.release(tid)

    def bound(self):
        return list(self._bound)
