"""gdb breakpoints that hand a thread to the bridge where it enters or leaves a critical section.

Every single-step gdb makes onto a breakpoint's address counts as a hit, so stop() runs for the
internal steps of ``stepi 100000`` or ``next`` too; it always answers False (gdb does not stop for
the bridge's sake), after the bridge has moved the thread on. Entry guards are armed only while a
stepping command runs: a thread running at full speed needs no help.
"""

import gdb

ENTRY = "entry"  # the instruction before start_ip, or start_ip itself
START = "start"  # start_ip, when a run can begin before it: catches jumps and steps onto it
EXIT = "exit"  # post-commit, abort handler and exits: armed under policy inside only


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
            gdb.write("rseq: internal error at %s: %s\n" % (self.placement.section.name, e), gdb.STDERR)
            return False


class GuardSet:
    """The guards of one file's placements."""

    def __init__(self, handler, placements):
        self.guards = []
        for p in placements:
            self.guards.append(Guard(handler, p, ENTRY, p.entry))
            if p.entry != p.section.start:
                self.guards.append(Guard(handler, p, START, p.section.start))
            for at in dict.fromkeys(p.section.ways_out()):
                self.guards.append(Guard(handler, p, EXIT, at))

    def arm(self, on):
        for g in self.guards:
            if g.kind != EXIT and g.enabled != on:
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
