"""The bridge's state in one gdb session: policy, the live process's sections, guards, events."""

import bisect
import os

import gdb

from . import loadmap, native, rseqarea, schema
from .binding import Bindings
from .guards import ENTRY, EXIT, SLOW, GuardSet
from .placement import PlacementError, place, place_one
from .rseqarea import RseqAreas
from .runner import Outcome, SectionRunner
from .tables import ReaderError

POLICIES = ("skip", "inside", "opv", "off")
STEPPING_COMMANDS = ("stepi", "nexti", "step", "next", "until", "advance")
LINE_STEPPING = ("step", "next", "until")
SI_KERNEL = 0x80  # si_code of the SIGTRAP from an int3: the thread ran into the guard at full speed
CHAIN_LIMIT = 16
ENDED = ("committed", "aborted", "exited")


class Process:
    """One live inferior process: its memory, rseq areas, placed files and their guards."""

    def __init__(self, pid):
        self.pid = pid
        self.memory = native.Memory(pid)
        self.areas = RseqAreas(self.memory, fallback=_area_from_glibc)
        self.bindings = Bindings()
        self.runner = SectionRunner(pid, self.memory, self.areas, self.bindings,
                                    verify_held=os.environ.get("RSEQDBG_GDB_VERIFY_HELD") == "1")
        # Raw runs need every other thread stopped, which gdb guarantees only in all-stop mode.
        shown = gdb.execute("maint show target-non-stop", to_string=True).strip()
        self.all_stop = not ("currently on" in shown or shown.endswith("is on."))
        self.files = {}  # path -> (bias, [Placement], GuardSet)
        self._starts = []
        self._placements = []
        # sections no table declares, learnt from live rseq_cs fields: descriptor words -> Placement or None
        self._live = {}
        self._live_guards = {}  # descriptor words -> GuardSet

    def add(self, path, bias, placements, guards):
        self.files[path] = (bias, placements, guards)
        starts = {p.section.start for p in placements}
        for key, live in list(self._live.items()):
            if live is not None and live.section.start in starts:
                # learnt before its file was placed (a library not mapped yet): the table's guards win
                self._live[key] = None
                self._live_guards.pop(key).delete()
        self._index()

    def remove(self, path):
        _, _, guards = self.files.pop(path)
        guards.delete()
        self._index()

    def _index(self):
        live = self.live_placements()
        everything = sorted([p for _, ps, _ in self.files.values() for p in ps] + live, key=lambda p: p.section.start)
        self._placements = everything
        self._starts = [p.section.start for p in everything]

    def section_at(self, pc):
        """The placement whose section holds ``pc``, else None."""
        i = bisect.bisect_right(self._starts, pc) - 1
        if i >= 0 and self._placements[i].section.contains(pc):
            return self._placements[i]
        return None

    def learn_live(self, tid, reader, handler, armed):
        """Learns the section ``tid``'s live rseq_cs points at when no table declares it (as the CLI's
        SectionLocator does): its ways out and outcomes from the Java side, guards planted as for a
        table's sections (``armed``: entry guards on now). Returns the GuardSet when a new one was
        planted, else None. Reads the rseq area and descriptor only (a few microseconds) for a known one.
        """
        found = rseqarea.live_descriptor(self.areas, self.memory, tid)
        if found is None or found in self._live:
            return None
        descriptor, version, flags, start, offset, abort = found
        known = self.section_at(start)
        if known is not None and known.section.start == start:
            self._live[found] = None  # a table's section: guarded already
            return None
        try:
            cs = reader.live(descriptor, version, flags, start, offset, abort, _symbol_name(start))
        except BaseException:
            self._live[found] = None  # asked once: a failing reader is not run again at every stop
            raise
        placement = None
        if cs is not None:
            try:
                placement = place_one(cs)
            except (PlacementError, gdb.error, gdb.MemoryError):
                placement = None
        self._live[found] = placement
        if placement is None:
            return None
        self._index()
        guards = GuardSet(handler, [placement])
        guards.arm(armed)
        self._live_guards[found] = guards
        return guards

    def live_placements(self):
        return [p for p in self._live.values() if p is not None]

    def abort_handler_at(self, pc):
        """True when ``pc`` is the abort_ip of a known section."""
        return any(p.section.abort == pc for p in self._placements) \
            or any(p is not None and p.section.abort == pc for p in self._live.values())

    def entry_at(self, pc):
        for p in self._placements:
            if p.entry == pc:
                return p
        return None

    def guard_sets(self):
        return [g for _, _, g in self.files.values()] + list(self._live_guards.values())

    def close(self):
        self.bindings.release_all()  # every thread's own mask back (nothing for threads gone)
        for guards in self.guard_sets():
            guards.delete()
        self.files.clear()
        self._live.clear()
        self._live_guards.clear()
        self.memory.close()


def _symbol_name(address):
    """symbol+offset as the tables name sections, else the 0x address."""
    said = gdb.execute("info symbol 0x%x" % address, to_string=True).strip()
    if said.startswith("No symbol"):
        return "0x%x" % address
    return said.split(" in section ")[0].replace(" ", "")


def _area_from_glibc(tid):
    """Without PTRACE_GET_RSEQ_CONFIGURATION: glibc's area is at the thread pointer + __rseq_offset."""
    from .rseqarea import Area
    if gdb.selected_thread() is None or gdb.selected_thread().ptid[1] != tid:
        return None
    try:
        address = int(gdb.parse_and_eval("(unsigned long)$fs_base + (long)__rseq_offset"))
        size = int(gdb.parse_and_eval("(unsigned int)__rseq_size"))
    except gdb.error:
        return None
    return Area(address, size, 0) if size else None


class Bridge:

    def __init__(self, reader):
        self.reader = reader
        self.policy = "skip"
        self.process = None
        self.problems = {}  # path -> why its sections are not guarded
        self.off_because = None
        self.outcomes = {}  # how runs out of sections ended, for rseq info
        self._armed = False
        self._inside = {}  # tid -> placement, under policy inside
        self._saved_schedlock = None
        # opv: (tid, section start) -> redirects since that thread last made progress (a commit
        # of that section, or any slow path reached), the Java stepper's rule
        self._redirects = {}
        self._stepping_tid = None
        self._command = None
        self.always_armed = False  # a user's own hook-stepi etc. leaves no place to arm them

    # ----- what gdb tells us

    def on_new_objfile(self, event):
        if self._armed:
            self.refresh()  # a library loaded mid-command (dlopen): guard it before it runs

    def on_stop(self, event):
        if not self.always_armed:
            self.disarm()
        if self.off_because or self.policy == "off":
            return
        self.refresh()
        if self.always_armed:
            self._arm()
        thread = gdb.selected_thread()
        if self.process is None or thread is None or not thread.is_valid():
            return
        tid = thread.ptid[1]
        self._let_go_of_threads_out(tid)
        try:
            pc = native.Registers(tid).pc
        except OSError:
            return
        self._learn_live(tid)
        placement = self._inside.get(tid) or self.process.section_at(pc)
        if placement is None:
            return
        self._stepping_tid = tid
        if self.policy == "inside":
            if self._inside.get(tid) is placement:
                if not placement.section.contains(pc):
                    self._leave_inside(tid, placement, pc)
                else:
                    self._check_cpu(tid, placement)
                return
            self._enter_inside(tid, placement)
        elif isinstance(event, gdb.SignalEvent) and event.stop_signal not in ("SIGINT", "SIGTRAP"):
            gdb.write("rseq: stopped inside %s by %s: the section aborts when the thread resumes\n"
                      % (placement.section.name, event.stop_signal))
        elif placement.section.contains(pc):
            # A breakpoint, an interrupt or the end of a step count left the thread inside: never rest there.
            self._release(tid)
            self._move_on(tid, placement, pc, "the thread had stopped inside")
            gdb.execute("frame")
        else:
            self._leave_inside(tid, placement, pc)

    def _learn_live(self, tid):
        """A section without a table, met through the thread's live rseq_cs, is guarded from now on."""
        try:
            self.process.learn_live(tid, self.reader, self.on_guard, self._armed)
        except (ReaderError, OSError) as e:
            gdb.write("rseq: cannot judge the live rseq_cs of thread %d: %s\n" % (tid, e), gdb.STDERR)

    def _let_go_of_threads_out(self, but):
        """Threads stepped inside that left where no guard saw it (an undeclared exit): release them."""
        for tid, placement in list(self._inside.items()):
            if tid == but:
                continue
            try:
                pc = native.Registers(tid).pc
            except OSError:
                self._release(tid)  # gone
                continue
            if not placement.section.contains(pc):
                self._leave_inside(tid, placement, pc)

    def on_exited(self, event):
        self._forget_process()

    def on_before_command(self, command):
        """Runs before every stepping command (a user-defined hook)."""
        self._command = command
        if self.off_because or self.policy == "off":
            return
        self.refresh()
        thread = gdb.selected_thread()
        self._stepping_tid = thread.ptid[1] if thread is not None else None
        if self.process is not None and self._stepping_tid is not None and self.process.all_stop:
            self._learn_live(self._stepping_tid)
        if self.process is not None:
            # Before any instruction runs: a thread whose mask was changed behind the bridge's
            # back (a cpuset, an offline CPU, another tool) must not run its section elsewhere.
            for tid, placement in list(self._inside.items()):
                if self._inside.get(tid) is placement:
                    self._check_cpu(tid, placement)
            if command in LINE_STEPPING and self._stepping_tid is not None and self.process.all_stop:
                # A thread left at an abort handler (by stepi, a cpu change): gdb cannot start a line step there.
                try:
                    pc = native.Registers(self._stepping_tid).pc
                except OSError:
                    pc = None
                if pc is not None and self.process.abort_handler_at(pc):
                    self._run_on_to_lines(self._stepping_tid, pc)
        self._arm()

    def _arm(self):
        if self.process is not None and self.process.all_stop:
            self._armed = True
            for guards in self.process.guard_sets():
                guards.arm(True)

    def disarm(self):
        if self._armed and self.process is not None:
            for guards in self.process.guard_sets():
                guards.arm(False)
        self._armed = False

    # ----- guards

    def on_guard(self, guard):
        """A guard's stop(): always False, gdb goes on with whatever it was doing."""
        if self.off_because or self.policy == "off" or self.process is None:
            return False
        tid = gdb.selected_thread().ptid[1]
        try:
            return self._on_guard(guard, tid)
        except BaseException:
            # An error half way: a thread the bridge does not hold inside gets its own mask back.
            if self.process is not None and tid not in self._inside:
                self.process.bindings.release(tid)
            raise

    def _on_guard(self, guard, tid):
        if guard.kind == SLOW:
            self._progress(tid)
            return False
        pc = native.Registers(tid).pc
        placement = guard.placement
        if guard.kind == EXIT:
            self._leave_inside(tid, placement, pc)
            if tid == self._stepping_tid and self._command in LINE_STEPPING:
                self._run_on_to_lines(tid, pc)
            return False
        if not placement.starts_run(pc):
            return False
        stepped = tid == self._stepping_tid and native.signal_info_code(tid) != SI_KERNEL
        if stepped and (self.policy == "inside" or self.policy in ("skip", "opv") and self._command in LINE_STEPPING):
            # gdb steps the thread through the section itself: under inside the user sees every
            # instruction; under skip and opv, step and next go through the section's line without
            # stopping (opv's redirect would move the pc out of the line gdb is stepping, which
            # gdb 13 does not survive: "resume_1: Assertion `pc_in_thread_step_range' failed").
            # Either way nothing moves behind gdb's back but the store into rseq_cs, which the
            # bridge executes here so that no breakpoint sits at start_ip: gdb finds
            # the thread at start_ip with rseq_cs cleared and the thread bound to its CPU.
            if pc == placement.entry and not placement.section.contains(pc):
                ended = self.process.runner.step_entry(tid, placement)
                _registers_changed()
                if ended is not None:
                    self._report(tid, placement, ended)
                    return False
            self._enter_inside(tid, placement, visible=self.policy == "inside")
        elif self.policy == "opv":
            self._redirect_or_skip(tid, placement, pc)
        else:
            # stepi and nexti, and threads running at full speed: they never stop inside
            self._move_on(tid, placement, pc)
        return False

    def _run_on_to_lines(self, tid, pc):
        """A line step (step, next, until) must not end in code without line information: the abort
        handlers in ``__rseq_failure`` have no symbol, gdb's step would stop there and the next line
        step fail ("Cannot find bounds of current function"). As gdb steps over functions without
        line info, the thread goes on to the first instruction that has a line (the handler jumps
        back to its C code), never into a section."""
        if _has_line(pc):
            return
        process = self.process

        def going_on(at):
            return not _has_line(at) and process.section_at(at) is None and process.entry_at(at) is None

        ended = process.runner.step_while(tid, going_on)
        _registers_changed()
        if isinstance(ended, Outcome):
            gdb.write("rseq: running on from the abort handler at 0x%x: %s\n" % (pc, ended.kind)
                      + (" (%s)" % ended.detail if ended.detail else ""))

    def _report(self, tid, placement, outcome, why=""):
        """One line for the thread gdb is stepping (and for anything unusual); the rest are counted."""
        self.outcomes[outcome.kind] = self.outcomes.get(outcome.kind, 0) + 1
        if outcome.kind == "committed":
            self._redirects.pop((tid, placement.section.start), None)  # progress for opv
        if tid == self._stepping_tid or outcome.kind not in ENDED or outcome.detail:
            gdb.write(outcome.describe(placement.section.name) + ("; %s" % why if why else "") + "\n")

    def _move_on(self, tid, placement, pc, why=""):
        """Policy skip: run the section at full speed to where it leaves, then again if another one starts there."""
        for _ in range(CHAIN_LIMIT):
            outcome = self.process.runner.run_out(tid, placement, pc)
            _registers_changed()
            self._report(tid, placement, outcome, why)
            if outcome.kind not in ENDED:
                return
            pc = outcome.pc
            placement = self.process.entry_at(pc) or self.process.section_at(pc)
            if placement is None:
                return

    def _redirect_or_skip(self, tid, placement, pc):
        """opv, as the Java stepper: redirect each entry to the abort handler; after the Java side's
        limit of redirects of this section by this thread with no progress in between (no commit,
        no slow path reached), run this one entry out instead, and count again from zero."""
        cs = placement.section
        key = (tid, cs.start)
        redirects = self._redirects.get(key, 0)
        if redirects >= self.reader.rules.opv_redirects_without_progress:
            self._redirects.pop(key, None)
            gdb.write("rseq: %s redirected %d times without progress (no commit, no slow path reached):"
                      " running this entry out\n" % (cs.name, redirects))
            self._move_on(tid, placement, pc)
            self._arm_slow_paths()
            return
        # Always legal: rseq allows an abort at any point before the commit.
        self.process.areas.clear_rseq_cs(tid)
        native.Registers(tid).move_pc(cs.abort)
        _registers_changed()
        self._redirects[key] = redirects + 1
        self._arm_slow_paths()
        gdb.write("rseq: %s redirected to its abort handler (policy opv)\n" % cs.name)

    def _progress(self, tid):
        """The thread reached a slow path: every count of its redirects starts again."""
        for key in [k for k in self._redirects if k[0] == tid]:
            del self._redirects[key]
        self._arm_slow_paths()

    def _arm_slow_paths(self):
        """Slow-path guards only while some redirect is counted: a continue stays at full speed otherwise."""
        on = self.policy == "opv" and bool(self._redirects)
        if self.process is not None:
            for guards in self.process.guard_sets():
                guards.arm_slow_paths(on)

    def _enter_inside(self, tid, placement, visible=True):
        """gdb steps the thread inside: rseq_cs cleared, the thread bound to its CPU, every other thread held until it leaves."""
        refused = self.process.runner.clear_and_bind(tid, placement.section)
        if refused is not None:
            _registers_changed()
            self._release(tid)
            self._report(tid, placement, refused)
            return
        if self._inside.get(tid) is placement:
            return
        self._inside[tid] = placement
        if self._saved_schedlock is None:
            self._saved_schedlock = gdb.parameter("scheduler-locking")
            gdb.execute("set scheduler-locking on", to_string=True)
        for guards in self.process.guard_sets():
            guards.arm_exits(placement, True)
        if visible:
            gdb.write("rseq: inside %s (rseq_cs cleared, bound to cpu %s, other threads held)\n"
                      % (placement.section.name, self.process.bindings.cpu(tid)))

    def _check_cpu(self, tid, placement):
        """A thread stopped inside with rseq_cs cleared must still be on the CPU it entered on, else it aborts."""
        moved = self.process.runner.moved_off(tid, placement.section)
        if moved is not None:
            _registers_changed()
            self._release(tid)
            self._report(tid, placement, moved)
            gdb.execute("frame")
        else:
            self.process.areas.clear_rseq_cs(tid)

    def _leave_inside(self, tid, placement, pc):
        if self._inside.get(tid) is not placement:
            return
        self._release(tid)
        self._report(tid, placement, Outcome(placement.section.outcome_at(pc), pc))

    def _release(self, tid):
        """The thread is no longer stepped inside: its own CPU mask back, its exit guards gone, the
        other threads may run again."""
        if self.process is not None:
            self.process.bindings.release(tid)
        placement = self._inside.pop(tid, None)
        if placement is None:
            return
        if placement not in self._inside.values():
            for guards in self.process.guard_sets():
                guards.arm_exits(placement, False)
        if not self._inside and self._saved_schedlock is not None:
            gdb.execute("set scheduler-locking %s" % self._saved_schedlock, to_string=True)
            self._saved_schedlock = None

    # ----- tables and placement

    def refresh(self):
        """Places the sections of every objfile gdb has loaded into the live process, once each."""
        inferior = gdb.selected_inferior()
        if self.off_because or self.policy == "off" or inferior is None or inferior.pid == 0:
            return
        if self.process is None or self.process.pid != inferior.pid:
            self._forget_process()
            if not inferior.architecture().name().startswith("i386"):
                self.turn_off("the bridge drives x86 and x86-64 programs only, not %s"
                              % inferior.architecture().name())
                return
            try:
                self.process = Process(inferior.pid)
            except OSError as e:
                self.turn_off("cannot reach process %d through /proc (a remote target?): %s" % (inferior.pid, e))
                return
            if not self.process.all_stop:
                gdb.write("rseq: gdb runs process %d in non-stop mode (it started before the bridge was loaded),"
                          " so its threads cannot be held: critical sections are not guarded until the next run\n"
                          % inferior.pid, gdb.STDERR)
        if not self.process.all_stop:
            return
        loaded = {}
        for objfile in gdb.objfiles():
            if objfile.is_valid() and objfile.owner is None and objfile.filename.startswith("/"):
                path = os.path.realpath(objfile.filename)
                if os.path.isfile(path):
                    loaded[path] = objfile.build_id
        for path in [p for p in self.process.files if p not in loaded]:
            self.process.remove(path)
        new = [(p, b) for p, b in loaded.items() if p not in self.process.files and p not in self.problems]
        if not new:
            return
        try:
            answers = self.reader.read(new)
        except (ReaderError, OSError) as e:
            self.turn_off("cannot read rseq tables: %s" % e)
            return
        maps = loadmap.read_maps(self.process.pid)
        for path, _ in new:
            answer = answers[path]
            if answer.problem is not None:
                self._problem(path, "the reader rejects it: %s" % answer.problem)
                continue
            if not answer.tables.sections:
                self.process.add(path, 0, [], GuardSet(self.on_guard, []))
                continue
            bias = loadmap.bias(path, answer.tables.position_independent, maps)
            if bias is None:
                continue  # not mapped yet: try again at the next refresh
            try:
                placements = place(answer.tables, bias)
            except (PlacementError, gdb.error, gdb.MemoryError) as e:
                self._problem(path, str(e))
                continue
            guards = GuardSet(self.on_guard, placements, [at + bias for at in answer.tables.slow_paths])
            if self._armed:
                guards.arm(True)
            if self.policy == "opv" and self._redirects:
                guards.arm_slow_paths(True)
            self.process.add(path, bias, placements, guards)

    def _problem(self, path, why):
        self.problems[path] = why = schema.one_line(why, schema.MAX_TEXT)
        gdb.write("rseq: %s: %s; its critical sections are not guarded\n" % (schema.one_line(path, schema.MAX_TEXT), why),
                  gdb.STDERR)

    def _forget_process(self):
        if self.process is not None:
            self.process.close()
            self.process = None
        self._armed = False
        self._inside.clear()
        self._redirects.clear()
        if self._saved_schedlock is not None:
            gdb.execute("set scheduler-locking %s" % self._saved_schedlock, to_string=True)
            self._saved_schedlock = None
        _use_all_stop()

    def set_policy(self, policy):
        self.policy = policy  # a thread stepped inside stays held and bound until it leaves
        self._arm_slow_paths()
        if policy == "off" and self.process is not None:
            self._forget_process()

    def turn_off(self, why):
        """Failure: one message, then gdb works as if the bridge were not loaded."""
        self.off_because = why = schema.one_line(why, schema.MAX_TEXT)
        gdb.write("rseq: %s; the rseqdbg bridge is off, gdb steps as without it\n" % why, gdb.STDERR)
        self._forget_process()


def _has_line(pc):
    """True when gdb knows the source line of ``pc`` (so a line step can start or end there)."""
    sal = gdb.find_pc_line(pc)
    return sal.symtab is not None and sal.line > 0


def _registers_changed():
    """The bridge moved a thread behind gdb's back: gdb must read its registers again."""
    gdb.execute("maint flush register-cache", to_string=True)


def _use_all_stop():
    """All-stop on Linux: gdb then stops every thread before it reports any event to the bridge."""
    try:
        gdb.execute("maint set target-non-stop off", to_string=True)
    except gdb.error:
        pass  # a process is running; it takes effect for the next one
