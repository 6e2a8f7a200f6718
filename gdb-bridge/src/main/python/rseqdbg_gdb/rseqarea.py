"""Each thread's registered ``struct rseq`` area: where it is, what it holds, clearing ``rseq_cs``."""

import dataclasses
import struct

from . import native

RSEQ_CS_OFFSET = 8  # struct rseq { u32 cpu_id_start; u32 cpu_id; u64 rseq_cs; u32 flags; ... }


@dataclasses.dataclass(frozen=True)
class Area:
    address: int
    size: int
    signature: int


@dataclasses.dataclass(frozen=True)
class Contents:
    cpu_id_start: int
    cpu_id: int
    rseq_cs: int
    flags: int


class RseqAreas:
    """Areas by thread id for one process; ``fallback(tid)`` finds one when ptrace cannot."""

    def __init__(self, memory, fallback=None):
        self._memory = memory
        self._fallback = fallback
        self._found = {}  # tid -> Area, from the fallback only

    def of(self, tid):
        """The thread's area now, or None when it has registered none (yet).

        Asked of the kernel every time (one ptrace call, about a microsecond): a thread seen
        before it registered, or a new thread that got an old tid, then never keeps a stale answer.
        Only without PTRACE_GET_RSEQ_CONFIGURATION (Linux < 5.13) is the fallback's area kept,
        and only once found.
        """
        try:
            found = native.rseq_configuration(tid)
            return Area(*found) if found else None
        except OSError:
            pass
        if tid not in self._found and self._fallback is not None:
            area = self._fallback(tid)
            if area is not None:
                self._found[tid] = area
        return self._found.get(tid)

    def forget(self, tid):
        self._found.pop(tid, None)

    def read(self, tid):
        area = self.of(tid)
        if area is None:
            return None
        cpu_id_start, cpu_id, rseq_cs, flags = struct.unpack("<IiQI", self._memory.read(area.address, 20))
        return Contents(cpu_id_start, cpu_id, rseq_cs, flags)

    def clear_rseq_cs(self, tid):
        """Nothing left for the kernel to abort when the thread resumes (DESIGN.md, Things that bite).

        Only safe while every other thread of the process is held stopped.
        """
        area = self.of(tid)
        if area is not None:
            self._memory.write(area.address + RSEQ_CS_OFFSET, bytes(8))

    def cpu_id(self, tid):
        """The CPU the kernel last ran the thread on, from its area; None without an area."""
        now = self.read(tid)
        return None if now is None or now.cpu_id < 0 else now.cpu_id


DESCRIPTOR_SIZE = 32  # struct rseq_cs { u32 version; u32 flags; u64 start_ip; u64 post_commit_offset; u64 abort_ip; }


def live_descriptor(areas, memory, tid):
    """(descriptor, version, flags, start_ip, post_commit_offset, abort_ip): the words of the
    ``struct rseq_cs`` the thread's live ``rseq_cs`` points at, or None (no area, 0, unreadable).
    Whether they make a section is the Java side's to say (``rseqdbg section``)."""
    now = areas.read(tid)
    if now is None or now.rseq_cs == 0:
        return None
    try:
        version, flags, start, offset, abort = struct.unpack("<IIQQQ", memory.read(now.rseq_cs, DESCRIPTOR_SIZE))
    except OSError:
        return None  # a stale or garbage pointer: the kernel would kill the program, not the bridge's business
    return now.rseq_cs, version, flags, start, offset, abort
