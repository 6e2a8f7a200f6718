"""Runs the Java reader with what it may write bounded, in bytes and in time.

gdb waits for the reader: a reader that never ends or writes without end (a wrong jar, a broken
JVM) must cost a bounded wait and bounded memory, then one line, and never hang gdb.
"""

import os
import selectors
import subprocess
import time

_CHUNK = 1 << 16
_STDERR_KEPT = 4096  # enough for its first line, the one the user is shown


class ProcessError(Exception):
    """The reader could not run, ran too long or wrote too much: one line for the user."""


def run(command, timeout, limit):
    """(exit status, stdout as bytes, stderr as text) of ``command``, stdout at most ``limit`` bytes."""
    try:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise ProcessError("cannot run %s (no Java?)" % command[0])
    except OSError as e:
        raise ProcessError("cannot run %s: %s" % (command[0], e.strerror))
    out = bytearray()
    err = bytearray()
    deadline = time.monotonic() + timeout
    try:
        with selectors.DefaultSelector() as waiting:
            waiting.register(child.stdout, selectors.EVENT_READ, out)
            waiting.register(child.stderr, selectors.EVENT_READ, err)
            while waiting.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ProcessError("the reader took more than %g s" % timeout)
                for key, _ in waiting.select(left):
                    chunk = os.read(key.fd, _CHUNK)
                    if not chunk:
                        waiting.unregister(key.fileobj)
                    elif key.data is out:
                        out += chunk
                        if len(out) > limit:
                            raise ProcessError("the reader wrote more than %d bytes" % limit)
                    elif len(err) < _STDERR_KEPT:
                        err += chunk
        try:
            status = child.wait(max(deadline - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            raise ProcessError("the reader took more than %g s" % timeout)
        return status, bytes(out), err.decode("utf-8", "replace")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
