"""rseqdbg's gdb bridge: gdb's own stepi, nexti, step, next, until and advance never get stuck in
an rseq critical section (standard library only).

Load it with ``source .../gdb-bridge/src/main/python/rseqdbg-gdb.py`` (or run ``rseqdbg gdb``),
which calls :func:`install`. Tables come from the Java reader (``rseqdbg table --json``).
"""

import os
import shutil

import gdb

from . import bridge as _bridge_module
from .commands import InfoCommand, PolicyCommand, RseqCommand, StatusCommand
from .tables import TableReader, default_cache_dir

_HERE = os.path.dirname(os.path.abspath(__file__))
_SOURCE_TREE_JAR = os.path.normpath(os.path.join(_HERE, "..", "..", "..", "..", "..", "stepper", "target", "rseqdbg.jar"))

_bridge = None


def install(jar=None, java=None, cache_dir=None):
    """Loads the bridge into this gdb once; a second call only reports that it is loaded.

    ``jar``: rseqdbg.jar (default: $RSEQDBG_JAR, else the source tree's stepper/target/rseqdbg.jar).
    ``java``: the java executable (default: $JAVA_HOME/bin/java, else java on the PATH).
    ``cache_dir``: where tables are kept between sessions (default ~/.cache/rseqdbg/gdb-tables; "" for none).
    """
    global _bridge
    if _bridge is not None:
        return _bridge
    jar = jar or os.environ.get("RSEQDBG_JAR") or _SOURCE_TREE_JAR
    java = java or _find_java()
    reader = TableReader(java, jar, default_cache_dir() if cache_dir is None else cache_dir)
    _bridge = _bridge_module.Bridge(reader)
    RseqCommand()
    InfoCommand(_bridge)
    PolicyCommand(_bridge)
    StatusCommand(_bridge)
    if not os.path.isfile(jar):
        _bridge.turn_off("no rseqdbg jar at %s (build it with mvn package, or set RSEQDBG_JAR)" % jar)
        return _bridge
    if java is None or not os.access(java, os.X_OK):
        _bridge.turn_off("no Java found (set JAVA_HOME or put java on the PATH)")
        return _bridge
    # The bridge never lets gdb step over its guards out of line (DESIGN.md, Things that bite).
    gdb.execute("set displaced-stepping off", to_string=True)
    _bridge_module._use_all_stop()
    _define_hooks()
    gdb.events.stop.connect(_bridge.on_stop)
    gdb.events.new_objfile.connect(_bridge.on_new_objfile)
    gdb.events.exited.connect(_bridge.on_exited)
    return _bridge


def bridge():
    return _bridge


def _find_java():
    home = os.environ.get("JAVA_HOME")
    if home and os.access(os.path.join(home, "bin", "java"), os.X_OK):
        return os.path.join(home, "bin", "java")
    return shutil.which("java")


def _define_hooks():
    """Arms the guards for the stepping commands only, through gdb's command hooks.

    A Python command named ``stepi`` would replace the built-in (and an alias made beforehand
    would then recurse into it): hooks leave the built-ins and their aliases (si, ni, s, n, u)
    alone. A hook the user defined already is kept; the guards then stay armed all the time.
    """
    for command in _bridge_module.STEPPING_COMMANDS:
        for hook, call in (("hook-" + command, "before_command"), ("hookpost-" + command, "after_command")):
            if _user_defined(hook):
                gdb.write("rseq: keeping your %s; the bridge's guards stay armed at full speed too\n" % hook)
                _bridge.always_armed = True
                continue
            gdb.execute("define %s\npython __import__('rseqdbg_gdb').%s('%s')\nend" % (hook, call, command))


def _user_defined(name):
    """True when the user defined command ``name`` (``show user`` would also accept an abbreviation)."""
    listing = gdb.execute("help user-defined", to_string=True)
    return any(line.split(" -- ")[0].strip() == name for line in listing.splitlines())


def before_command(command):
    if _bridge is not None:
        _bridge.on_before_command(command)


def after_command(command):
    if _bridge is not None and not _bridge.always_armed:
        _bridge.disarm()
