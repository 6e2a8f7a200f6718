package io.rseqdbg.ptrace;

import static io.rseqdbg.ptrace.internal.NativeError.EFAULT;

import io.rseqdbg.ptrace.AddressSpace.Site;
import io.rseqdbg.ptrace.internal.NativeError;
import io.rseqdbg.ptrace.internal.Syscalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads and writes a traced process's memory, one path with its fallback: process_vm_readv and
 * process_vm_writev first (one call for a whole block), then /proc/PID/task/TID/mem for what
 * they cannot reach (pages the program may not read or write, text: the file writes through
 * FOLL_FORCE). Memory is shown as the program wrote it: planted int3 bytes read as the bytes
 * they replaced. Tracer thread only.
 */
final class ProcessMemory {
    private final Syscalls sys;
    private final Tracees tracees;

    ProcessMemory(Syscalls sys, Tracees tracees) {
        this.sys = sys;
        this.tracees = tracees;
    }

    /**
     * rseqdbg is about to replace {@code original} with {@code now} in process {@code pid}; a
     * tracer process puts it back if the JVM dies first (see {@link Syscalls#changedBytes}).
     */
    void changed(int pid, long address, byte[] original, byte[] now) {
        sys.changedBytes(pid, address, original, now);
    }

    /** What {@link #changed} recorded at {@code address} is back. */
    void restored(int pid, long address) {
        sys.restoredBytes(pid, address);
    }

    /** Memory as the program wrote it: planted int3 bytes read as the bytes they replaced. */
    byte[] read(int tid, long address, int length) {
        ThreadState t = tracees.threadOrMember(tid, "read memory");
        byte[] buf = new byte[length];
        int n = readInto(t.process, t.tid, address, buf);
        if (n < length) {
            throw new TraceException("read memory", tid, EFAULT, String.format(
                    "read memory: cannot read %d bytes at 0x%x in process %d", length, address, t.process.pid));
        }
        t.process.space.maskSites(address, buf, length);
        return buf;
    }

    /**
     * Writes {@code data}; where a breakpoint is planted the new byte becomes the one restored
     * later and the int3 stays. Read-only mappings (text) are written through /proc/PID/mem.
     */
    void write(int tid, long address, byte[] data) {
        ThreadState t = tracees.threadOrMember(tid, "write memory");
        ProcessState p = t.process;
        byte[] out = data.clone();
        for (Site s : p.space.sites.values()) {
            long i = s.address - address;
            if (i >= 0 && i < data.length) {
                s.original = data[(int) i];
                out[(int) i] = AddressSpace.INT3;
            }
        }
        p.space.forgetCode(address, data.length);
        int n;
        try {
            n = sys.writeMemory(t.tid, address, out, 0, out.length);
        } catch (NativeError e) {
            n = 0;
        }
        if (n < out.length) {
            n += memoryFile(p, address + n, out, n, out.length - n, true);
        }
        if (n < out.length) {
            throw new TraceException("write memory", tid, EFAULT, String.format(
                    "write memory: cannot write %d bytes at 0x%x in process %d", data.length, address, p.pid));
        }
    }

    private int readInto(ProcessState p, int tid, long address, byte[] buf) {
        int n;
        try {
            n = sys.readMemory(tid, address, buf, 0, buf.length);
        } catch (NativeError e) {
            n = 0;
        }
        if (n < buf.length) {
            // process_vm_readv stops at pages it may not read; /proc/PID/mem reads them (FOLL_FORCE).
            n += memoryFile(p, address + n, buf, n, buf.length - n, false);
        }
        return n;
    }

    byte[] readRaw(ProcessState p, long address, int length) {
        ThreadState t = p.anyThread();
        byte[] buf = new byte[length];
        if (readInto(p, t == null ? p.pid : t.tid, address, buf) < length) {
            throw new TraceException("read memory", p.pid, EFAULT, String.format(
                    "read memory: cannot read %d bytes at 0x%x in process %d", length, address, p.pid));
        }
        return buf;
    }

    /** One byte into text, through /proc/PID/mem: it writes read-only mappings and needs no stopped thread. */
    void writeRaw(ProcessState p, long address, byte value) {
        if (memoryFile(p, address, new byte[] {value}, 0, 1, true) != 1) {
            throw new TraceException("write memory", p.pid, EFAULT, String.format(
                    "write memory: cannot write at 0x%x in process %d", address, p.pid));
        }
    }

    /**
     * Reads or writes through /proc/PID/task/TID/mem. The file answers only while its thread
     * lives: when the thread it was opened through has exited, it is reopened through a live one.
     */
    private int memoryFile(ProcessState p, long address, byte[] buf, int off, int len, boolean write) {
        int done = memoryFileOnce(p, address, buf, off, len, write);
        if (done < len && p.mem != null) {
            close(p);
            done += memoryFileOnce(p, address + done, buf, off + done, len - done, write);
        }
        return done;
    }

    private int memoryFileOnce(ProcessState p, long address, byte[] buf, int off, int len, boolean write) {
        try {
            if (p.mem == null) {
                ThreadState t = p.anyThread();
                int tid = t == null ? p.pid : t.tid;
                p.mem = FileChannel.open(Path.of("/proc", Integer.toString(p.pid), "task",
                        Integer.toString(tid), "mem"), StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            ByteBuffer bb = ByteBuffer.wrap(buf, off, len);
            int done = 0;
            while (bb.hasRemaining()) {
                int n = write ? p.mem.write(bb, address + done) : p.mem.read(bb, address + done);
                if (n <= 0) {
                    break;
                }
                done += n;
            }
            return done;
        } catch (IOException | IllegalArgumentException e) {
            return 0;
        }
    }

    /** Closes the process's memory file: the process exited or exec started a new address space. */
    static void close(ProcessState p) {
        if (p.mem != null) {
            try {
                p.mem.close();
            } catch (IOException e) {
                // nothing to keep
            }
            p.mem = null;
        }
    }

    /**
     * Up to {@code code.length} original code bytes from {@code pc} into {@code code}, through the
     * address space's page cache (the step path reads each code page once).
     */
    int codeBytes(ThreadState t, long pc, byte[] code) {
        AddressSpace space = t.process.space;
        int got = 0;
        while (got < code.length) {
            long addr = pc + got;
            long page = addr & -AddressSpace.PAGE;
            byte[] bytes = space.codePages.get(page);
            if (bytes == null) {
                bytes = new byte[AddressSpace.PAGE];
                int n;
                try {
                    n = sys.readMemory(t.tid, page, bytes, 0, bytes.length);
                } catch (NativeError e) {
                    n = 0;
                }
                if (n < bytes.length) {
                    return got;
                }
                space.maskSites(page, bytes, bytes.length);
                space.codePages.put(page, bytes);
            }
            int off = (int) (addr - page);
            int k = Math.min(code.length - got, AddressSpace.PAGE - off);
            System.arraycopy(bytes, off, code, got, k);
            got += k;
        }
        return got;
    }
}
