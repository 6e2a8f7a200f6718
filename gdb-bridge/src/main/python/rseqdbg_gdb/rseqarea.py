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
        self._areas = {}

    def of(self, tid):
        """The thread's area, or None when it registered none."""
        if tid not in self._areas:
            try:
                found = native.rseq_configuration(tid)
                self._areas[tid] = Area(*found) if found else None
            except OSError:
                self._areas[tid] = self._fallback(tid) if self._fallback else None
        return self._areas[tid]

    def forget(self, tid):
        self._areas.pop(tid, None)

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
