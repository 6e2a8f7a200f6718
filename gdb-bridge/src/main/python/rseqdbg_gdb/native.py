"""ptrace, waitpid and /proc/PID/mem through ctypes: the only module that calls the kernel.

gdb is the tracer and runs Python on its one tracer thread, so these calls are legal from a
breakpoint's stop() method or an event handler, while gdb holds the thread stopped. They are
never made while gdb itself waits for the thread.
"""

import ctypes
import errno
import os
import struct
import time

_libc = ctypes.CDLL(None, use_errno=True)
_libc.ptrace.restype = ctypes.c_long
_libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
_libc.waitpid.restype = ctypes.c_int
_libc.waitpid.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.c_int]

PTRACE_CONT = 7
PTRACE_SINGLESTEP = 9
PTRACE_GETREGS = 12
PTRACE_SETREGS = 13
PTRACE_GETSIGINFO = 0x4202
PTRACE_GET_RSEQ_CONFIGURATION = 0x420f
WNOHANG = 1
WALL = 0x40000000

# struct user_regs_struct (x86-64; a 64-bit tracer sees an i386 tracee in the same layout).
_REG_COUNT = 27
_ORIG_RAX = 15
_RIP = 16


class NativeError(OSError):
    """A failed system call, naming the request and the thread."""

    def __init__(self, what, tid):
        code = ctypes.get_errno()
        super().__init__(code, "%s on thread %d: %s" % (what, tid, os.strerror(code)))


class Registers:
    """A stopped thread's general registers; only the pc is interpreted."""

    def __init__(self, tid):
        self.tid = tid
        self._words = (ctypes.c_ulonglong * _REG_COUNT)()
        if _libc.ptrace(PTRACE_GETREGS, tid, None, ctypes.byref(self._words)) != 0:
            raise NativeError("PTRACE_GETREGS", tid)

    @property
    def pc(self):
        return self._words[_RIP]

    def move_pc(self, address):
        """Sets the pc; orig_rax = -1 so that the kernel never rewinds it as a restarted syscall."""
        self._words[_RIP] = address
        self._words[_ORIG_RAX] = 0xFFFFFFFFFFFFFFFF
        if _libc.ptrace(PTRACE_SETREGS, self.tid, None, ctypes.byref(self._words)) != 0:
            raise NativeError("PTRACE_SETREGS", self.tid)


def resume(tid, step=False, sig=0):
    if _libc.ptrace(PTRACE_SINGLESTEP if step else PTRACE_CONT, tid, None, sig) != 0:
        raise NativeError("PTRACE_SINGLESTEP" if step else "PTRACE_CONT", tid)


def wait(tid, timeout):
    """The wait status of thread ``tid``, or None after ``timeout`` seconds.

    Polls: critical sections finish within microseconds, so the first polls (with a yield for a
    tracee on the same CPU) nearly always succeed; a stuck section costs sleeps, not a hang.
    """
    status = ctypes.c_int()
    deadline = time.monotonic() + timeout
    polls = 0
    while True:
        got = _libc.waitpid(tid, ctypes.byref(status), WALL | WNOHANG)
        if got == tid:
            return status.value
        if got < 0 and ctypes.get_errno() != errno.EINTR:
            raise NativeError("waitpid", tid)
        polls += 1
        if polls < 200:
            os.sched_yield()
        elif time.monotonic() > deadline:
            return None
        else:
            time.sleep(0.0005)


def wait_blocking(tid):
    status = ctypes.c_int()
    while _libc.waitpid(tid, ctypes.byref(status), WALL) != tid:
        if ctypes.get_errno() != errno.EINTR:
            raise NativeError("waitpid", tid)
    return status.value


def tgkill(pid, tid, sig):
    """Queues ``sig`` for one thread (glibc >= 2.30 exports tgkill)."""
    if _libc.tgkill(pid, tid, sig) != 0:
        raise NativeError("tgkill", tid)


def signal_info_code(tid):
    """si_code of the signal that stopped ``tid`` (SI_KERNEL = 0x80 for int3, TRAP_TRACE = 2 for a step)."""
    buf = ctypes.create_string_buffer(128)
    if _libc.ptrace(PTRACE_GETSIGINFO, tid, None, buf) != 0:
        raise NativeError("PTRACE_GETSIGINFO", tid)
    return struct.unpack_from("<iii", buf.raw)[2]


def rseq_configuration(tid):
    """(area address, area size, signature) of the thread's registration, or None when it has none.

    PTRACE_GET_RSEQ_CONFIGURATION (Linux 5.13) works for glibc's registration and any other.
    """
    buf = ctypes.create_string_buffer(32)
    got = _libc.ptrace(PTRACE_GET_RSEQ_CONFIGURATION, tid, ctypes.c_void_p(32), buf)
    if got < 0:
        raise NativeError("PTRACE_GET_RSEQ_CONFIGURATION", tid)
    address, size, signature = struct.unpack_from("<QII", buf.raw)
    return None if address == 0 else (address, size, signature)


class Memory:
    """The address space of one process through /proc/PID/mem: sees gdb's inserted breakpoints."""

    def __init__(self, pid):
        self.pid = pid
        self._fd = os.open("/proc/%d/mem" % pid, os.O_RDWR | os.O_CLOEXEC)

    def read(self, address, length):
        data = os.pread(self._fd, length, address)
        if len(data) != length:
            raise OSError(errno.EIO, "short read of %d bytes at 0x%x in process %d" % (length, address, self.pid))
        return data

    def write(self, address, data):
        if os.pwrite(self._fd, data, address) != len(data):
            raise OSError(errno.EIO, "short write of %d bytes at 0x%x in process %d" % (len(data), address, self.pid))

    def close(self):
        os.close(self._fd)


def affinity(tid):
    """The thread's CPU mask (a set of CPU numbers)."""
    return os.sched_getaffinity(tid)


def set_affinity(tid, cpus):
    """Sets the thread's CPU mask; OSError when refused (a cpuset without the CPU, an offline CPU)."""
    os.sched_setaffinity(tid, cpus)


def running_threads(pid, but):
    """Threads of ``pid`` other than ``but`` that are not in a stop (state t or T in /proc)."""
    running = []
    for name in os.listdir("/proc/%d/task" % pid):
        tid = int(name)
        if tid == but:
            continue
        try:
            with open("/proc/%d/task/%d/stat" % (pid, tid)) as stat:
                state = stat.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue  # gone meanwhile
        if state not in ("t", "T", "Z", "X"):
            running.append(tid)
    return running
