"""gdb breakpoints that hand a thread to the bridge where it enters or leaves a critical section.

Every single-step gdb makes onto a breakpoint's address counts as a hit, so stop() runs for the
internal steps of ``stepi 100000`` or ``next`` too; it always answers False (gdb does not stop for
the bridge's sake), after the bridge has moved the thread on. Entry guards are armed only while a
stepping command runs: a thread running at full speed needs no help.
"""

import gdb

ENTRY = "entry"  # the instruction before start_ip (it stores rseq_cs), or start_ip itself when none is known
EXIT = "exit"  # the section's ways out, as the Java side filtered them: armed while a thread is stepped inside
SLOW = "slow"  # a slow path's entry (cpu_opv): progress for opv, armed while opv counts redirects


class Guard(gdb.Breakpoint):

    def __init__(self, handler, placement, kind, address):
        super().__init__("*0x%x" % address, type=gdb.BP_BREAKPOINT, internal=True)
        self.silent = True
        self.enabled = False
        self.placement = placement
        self.kind = kind
        self._handler = handler

    def stop(self):
        try:
            return self._handler(self)
        except Exception as e:  # never let one stop break gdb's stepping
            where = self.placement.section.name if self.placement else "0x%x" % self.address
            gdb.write("rseq: internal error at %s: %s\n" % (where, e), gdb.STDERR)
            return False

    @property
    def address(self):
        return int(self.location[1:], 16)


class GuardSet:
    """The guards of one file's placements."""

    def __init__(self, handler, placements, slow_paths=()):
        """Never a guard inside a section or on its signature: only at entries (the instruction
        before start_ip where it is known) and at the ways out the Java side lists."""
        self.guards = []
        for p in placements:
            self.guards.append(Guard(handler, p, ENTRY, p.entry))
            for at in p.section.ways_out():
                self.guards.append(Guard(handler, p, EXIT, at))
        for at in slow_paths:
            self.guards.append(Guard(handler, None, SLOW, at))

    def arm(self, on):
        for g in self.guards:
            if g.kind == ENTRY and g.enabled != on:
                g.enabled = on

    def arm_slow_paths(self, on):
        for g in self.guards:
            if g.kind == SLOW and g.enabled != on:
                g.enabled = on

    def arm_exits(self, placement, on):
        for g in self.guards:
            if g.kind == EXIT and g.placement is placement and g.enabled != on:
                g.enabled = on

    def delete(self):
        for g in self.guards:
            if g.is_valid():
                g.delete()
        self.guards = []
