"""Where a file is loaded in a live process, from /proc/PID/maps (as the Java LoadMap does).

Files are matched by device and inode, not by name: gdb may name a library by a path through a
symlink (/lib -> /usr/lib) that the kernel resolved.
"""

import dataclasses
import os


@dataclasses.dataclass(frozen=True)
class Mapping:
    start: int
    end: int
    offset: int
    device: int
    inode: int
    path: str


def read_maps(pid):
    mappings = []
    with open("/proc/%d/maps" % pid) as maps:
        for line in maps:
            fields = line.split(None, 5)
            if len(fields) < 6 or fields[4] == "0":
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            major, minor = (int(x, 16) for x in fields[3].split(":"))
            mappings.append(Mapping(start, end, int(fields[2], 16), os.makedev(major, minor),
                                    int(fields[4]), fields[5].rstrip("\n")))
    return mappings


def bias(path, position_independent, mappings):
    """Run-time minus link-time address of ``path``; None when the process has not mapped it.

    An ET_EXEC file is never moved. A PIE or shared library maps its file offset 0 at its load
    base, and the linkers (GNU ld, gold, lld) give the segment holding offset 0 the link-time
    address 0; the bridge checks the result against gdb's own symbols before trusting it.
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    ours = [m for m in mappings if m.device == st.st_dev and m.inode == st.st_ino]
    if not ours:
        return None
    if not position_independent:
        return 0
    first = [m for m in ours if m.offset == 0]
    return min(m.start for m in first) if first else None

