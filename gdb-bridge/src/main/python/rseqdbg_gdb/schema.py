"""The JSON the bridge reads, checked before anything acts on it.

Every document comes from another process (``rseqdbg table --json``, ``section --json``) or from a
file on disk (the table cache): a truncated answer, a reader of another version, a damaged or planted
cache entry. Whatever it holds, reading it either gives values of the shape the reader writes, or
one ``DocumentError`` line. Nothing in it is executed, and its strings reach gdb's output escaped
(a symbol name with a newline or a terminal escape cannot forge a line or a command).
"""

import json
import re

# A program with a few hundred libraries gives a few MB; more is not the reader talking.
MAX_DOCUMENT_BYTES = 16 << 20
# Symbol names and paths longer than this are cut (C++ names can be long; gdb's lines need not be).
MAX_TEXT = 4096
# As SectionRules.MAX_LIVE_LENGTH: a longer section is garbage, and placing it reads its code.
MAX_SECTION_LENGTH = 1 << 20
# The reader writes small counts only; a long digit string costs quadratic time to convert.
MAX_NUMBER_DIGITS = 20

_ADDRESS = re.compile(r"0x[0-9a-f]{1,16}\Z")
_WORD = re.compile(r"[a-z][a-z -]{0,31}\Z")
# C0 and C1 controls, DEL, lone surrogates (gdb.write cannot encode them), line and paragraph
# separators and the bidirectional overrides (they reorder what a terminal shows).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")


_KINDS = {type(None): "null", bool: "true or false", int: "a number", float: "a number", list: "a list",
          dict: "an object"}


class DocumentError(Exception):
    """The document is not what rseqdbg writes: one line saying where."""


def parse(data):
    """The JSON object in ``data`` (bytes), bounded in size, depth and numbers."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError("more than %d bytes" % MAX_DOCUMENT_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DocumentError("not UTF-8 at byte %d" % e.start)
    try:
        document = json.loads(text, parse_constant=_no_constant, parse_int=_small_int, parse_float=_no_fraction)
    except RecursionError:
        raise DocumentError("nested too deeply")
    except ValueError as e:  # json.JSONDecodeError and the hooks' own
        raise DocumentError(one_line(str(e)))
    if not isinstance(document, dict):
        raise DocumentError("not a JSON object")
    return document


def field(document, key, what=None):
    """``document[key]``, which must be there."""
    if not isinstance(document, dict):
        raise DocumentError("%s is not an object" % (what or "an entry"))
    if key not in document:
        raise DocumentError("no %s" % key if what is None else "%s has no %s" % (what, key))
    return document[key]


def address(value, what):
    """An address as the reader writes it: a string of 0x and up to 16 lowercase hex digits."""
    if not isinstance(value, str) or not _ADDRESS.match(value):
        raise DocumentError("%s is not a 0x hex address: %s" % (what, shown(value)))
    return int(value, 16)


def count(value, what, low, high):
    """A JSON integer (not a boolean) in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DocumentError("%s is not a whole number from %d to %d: %s" % (what, low, high, shown(value)))
    return value


def flag(value, what):
    if not isinstance(value, bool):
        raise DocumentError("%s is not true or false: %s" % (what, shown(value)))
    return value


def word(value, what):
    """An outcome as the reader names it (committed, aborted, exited...): a short lowercase word."""
    if not isinstance(value, str) or not _WORD.match(value):
        raise DocumentError("%s is not an outcome word: %s" % (what, shown(value)))
    return value


def text(value, what):
    """A name or path (never empty), escaped for gdb's output and cut to MAX_TEXT."""
    if not isinstance(value, str) or not value:
        raise DocumentError("%s is not a name: %s" % (what, shown(value)))
    return one_line(value, MAX_TEXT)


def items(value, what):
    if not isinstance(value, list):
        raise DocumentError("%s is not a list: %s" % (what, shown(value)))
    return value


def one_line(value, limit=300):
    """``value`` as one printable line: unsafe characters as \\xNN or \\uNNNN escapes, cut to ``limit``."""
    escaped = _UNSAFE.sub(_escape, value)
    return escaped if len(escaped) <= limit else escaped[:limit] + "..."


def shown(value):
    """A bad value, as an error message quotes it: short, one line."""
    if isinstance(value, str):
        return one_line(json.dumps(value), 60)
    return _KINDS.get(type(value), type(value).__name__)


def _escape(match):
    code = ord(match.group())
    return "\\x%02x" % code if code < 0x100 else "\\u%04x" % code


def _no_constant(name):
    raise ValueError("%s is not a value the reader writes" % name)


def _small_int(digits):
    if len(digits.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise ValueError("a number of %d digits" % len(digits))
    return int(digits)


def _no_fraction(digits):
    raise ValueError("a fraction (%s) where the reader writes whole numbers" % one_line(digits[:30]))

