"""The ``rseq`` commands: info, policy, status."""

import gdb

from . import native
from .bridge import POLICIES


class RseqCommand(gdb.Command):
    """rseqdbg: critical sections of restartable sequences (rseq info, rseq policy, rseq status)."""

    def __init__(self):
        super().__init__("rseq", gdb.COMMAND_RUNNING, prefix=True)


class InfoCommand(gdb.Command):
    """List the rseq critical sections of the loaded files, and the one the current thread is in."""

    def __init__(self, bridge):
        super().__init__("rseq info", gdb.COMMAND_STATUS)
        self._bridge = bridge

    def invoke(self, argument, from_tty):
        bridge = self._bridge
        if bridge.off_because:
            gdb.write("The rseqdbg bridge is off: %s.\n" % bridge.off_because)
            return
        gdb.write("Policy: %s\n" % bridge.policy)
        bridge.refresh()
        process = bridge.process
        if process is None:
            gdb.write("No live process: critical sections are placed when the program runs.\n")
        else:
            for path, (bias, placements, _) in process.files.items():
                if not placements:
                    continue
                gdb.write("%s (load bias 0x%x): %d critical section%s\n"
                          % (path, bias, len(placements), "" if len(placements) == 1 else "s"))
                _list(placements)
            live = process.live_placements()
            if live:
                gdb.write("No table, learnt from live rseq_cs fields: %d critical section%s\n"
                          % (len(live), "" if len(live) == 1 else "s"))
                _list(live)
        if bridge.outcomes:
            gdb.write("Sections run out so far: %s\n"
                      % ", ".join("%s %d" % (k, n) for k, n in sorted(bridge.outcomes.items())))
        for path, why in bridge.problems.items():
            gdb.write("%s: not guarded: %s\n" % (path, why))
        thread = gdb.selected_thread()
        if process is not None and thread is not None:
            pc = native.Registers(thread.ptid[1]).pc
            inside = process.section_at(pc)
            gdb.write("Thread %d (LWP %d) at 0x%x: %s\n" % (thread.num, thread.ptid[1], pc,
                      "inside %s" % inside.section.name if inside else "not in a critical section"))


def _list(placements):
    for p in placements:
        cs = p.section
        exits = ",".join("0x%x" % e for e in cs.exits) or "-"
        gdb.write("  %-32s start 0x%x post-commit 0x%x abort 0x%x exits %s\n"
                  % (cs.name, cs.start, cs.post_commit, cs.abort, exits))


class PolicyCommand(gdb.Command):
    """Set or show what stepping does at rseq critical sections: rseq policy [skip|inside|opv|off].

skip: never stop inside; run the section to where it leaves and say how it ended.
inside: stop at every instruction inside, rseq_cs cleared and every other thread held.
opv: redirect to the abort handler so the program's slow path runs.
off: plain gdb, which loops forever in critical sections."""

    def __init__(self, bridge):
        super().__init__("rseq policy", gdb.COMMAND_RUNNING)
        self._bridge = bridge

    def invoke(self, argument, from_tty):
        word = argument.strip()
        if not word:
            gdb.write("Policy: %s\n" % self._bridge.policy)
            return
        word = "off" if word == "none" else word
        if word not in POLICIES:
            raise gdb.GdbError("rseq policy: unknown policy '%s' (one of: %s)" % (word, ", ".join(POLICIES)))
        self._bridge.set_policy(word)

    def complete(self, text, word):
        return [p for p in POLICIES if p.startswith(text.strip())]


class StatusCommand(gdb.Command):
    """Show the current thread's live rseq area: cpu_id, rseq_cs, signature."""

    def __init__(self, bridge):
        super().__init__("rseq status", gdb.COMMAND_STATUS)
        self._bridge = bridge

    def invoke(self, argument, from_tty):
        thread = gdb.selected_thread()
        if thread is None or gdb.selected_inferior().pid == 0:
            raise gdb.GdbError("rseq status: the program is not being run")
        bridge = self._bridge
        bridge.refresh()
        if bridge.process is None:
            raise gdb.GdbError("rseq status: %s" % (bridge.off_because or "no process"))
        tid = thread.ptid[1]
        area = bridge.process.areas.of(tid)
        if area is None:
            gdb.write("Thread %d (LWP %d) has no rseq area registered.\n" % (thread.num, tid))
            return
        now = bridge.process.areas.read(tid)
        gdb.write("Thread %d (LWP %d): rseq area at 0x%x (%d bytes), signature 0x%08x\n"
                  % (thread.num, tid, area.address, area.size, area.signature))
        gdb.write("  cpu_id %d, cpu_id_start %d, rseq_cs 0x%x, flags 0x%x\n"
                  % (now.cpu_id, now.cpu_id_start, now.rseq_cs, now.flags))
        if now.rseq_cs:
            pc = native.Registers(tid).pc
            inside = bridge.process.section_at(pc) if bridge.process else None
            gdb.write("  rseq_cs points at a descriptor; the thread is %s\n"
                      % ("inside %s" % inside.section.name if inside else "outside its section (the kernel clears it lazily)"))
