"""Moves a file's tables to where the live process has it, and finds each section's entry."""

import re

import gdb

from .runner import Placement

_NAME = re.compile(r"^(?P<symbol>.+)\+(?P<offset>\d+)$")
_BRANCH = re.compile(r"^\s*(j|call|ret|loop|syscall|int|ud|hlt)")
MAX_FUNCTION_PREFIX = 1 << 16


class PlacementError(Exception):
    """The file's tables do not fit what gdb sees in the process."""


def place(tables, bias):
    """Placements of every section of ``tables`` moved by ``bias``."""
    sections = [cs.relocated(bias) for cs in tables.sections]
    _check_against_gdb(sections)
    return [place_one(cs) for cs in sections]


def place_one(cs):
    """The placement of one section at run-time addresses (a table's, relocated, or a live one)."""
    if cs.post_commit >= 1 << 64 or cs.abort >= 1 << 64:
        raise PlacementError("%s lies beyond the address space at this load bias" % cs.name)
    inferior = gdb.selected_inferior()
    entry = _entry(inferior.architecture(), cs)
    code = bytes(inferior.read_memory(entry, cs.post_commit - entry))  # gdb hides its breakpoints
    return Placement(section=cs, entry=entry, code=code)


def _check_against_gdb(sections):
    """The first section named by a symbol must sit at that symbol in gdb's view, else the bias is wrong."""
    for cs in sections:
        if cs.name.startswith("0x"):
            continue
        said = gdb.execute("info symbol 0x%x" % cs.start, to_string=True).strip()
        if said.startswith("No symbol"):
            return  # gdb has no symbols here; nothing to check against
        where = said.split(" in section ")[0].replace(" ", "")
        if where != cs.name:
            raise PlacementError("gdb places %s at 0x%x, the tables say %s" % (where, cs.start, cs.name))
        return


def _entry(arch, cs):
    """The instruction whose successor is ``cs.start`` (it stores rseq_cs), else ``cs.start``.

    A run from there never stops inside the section: the kernel protects it from the first
    instruction on. Found by disassembling the containing function from its start; sections that
    begin a function, or code without symbols, are entered at ``start``.
    """
    named = _NAME.match(cs.name)
    if not named:
        return cs.start
    offset = int(named.group("offset"))
    if offset == 0 or offset > MAX_FUNCTION_PREFIX:
        return cs.start
    try:
        instructions = arch.disassemble(cs.start - offset, cs.start - 1)
    except gdb.error:
        return cs.start
    for insn in instructions:
        if insn["addr"] + insn["length"] == cs.start and not _BRANCH.match(insn["asm"]):
            return insn["addr"]
    return cs.start
