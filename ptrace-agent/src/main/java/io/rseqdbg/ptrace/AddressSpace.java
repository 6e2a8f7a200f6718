package io.rseqdbg.ptrace;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The breakpoints planted in one address space and a cache of its code pages. Threads share it;
 * a vfork child shares its parent's; a fork child gets a copy (its memory holds the same int3
 * bytes); exec starts a fresh one.
 */
final class AddressSpace {
    static final byte INT3 = (byte) 0xcc;
    static final int PAGE = 4096;

    /** One planted int3: the byte it replaced and how many inserts share it. */
    static final class Site {
        final long address;
        byte original;
        int users;

        Site(long address, byte original) {
            this.address = address;
            this.original = original;
        }
    }

    final Map<Long, Site> sites = new HashMap<>();
    /**
     * Addresses of removed breakpoints. A thread may have executed the int3 just before its
     * removal and report the trap afterwards; such a trap is recognised here and undone
     * instead of being delivered to the program as a SIGTRAP.
     */
    final Set<Long> retired = new HashSet<>();
    /** Original (breakpoint-free) bytes of code pages, for instruction checks on the step path. */
    final Map<Long, byte[]> codePages = new HashMap<>();

    AddressSpace copyForFork() {
        AddressSpace copy = new AddressSpace();
        for (Site s : sites.values()) {
            Site c = new Site(s.address, s.original);
            c.users = s.users;
            copy.sites.put(c.address, c);
        }
        copy.retired.addAll(retired);
        return copy;
    }

    /** Replaces planted int3 bytes in {@code buf} (memory at {@code address}) by the originals. */
    void maskSites(long address, byte[] buf, int length) {
        if (sites.isEmpty()) {
            return;
        }
        for (Site s : sites.values()) {
            long i = s.address - address;
            if (i >= 0 && i < length) {
                buf[(int) i] = s.original;
            }
        }
    }

    void forgetCode(long address, int length) {
        if (codePages.isEmpty()) {
            return;
        }
        for (long page = address & -PAGE; page < address + length; page += PAGE) {
            codePages.remove(page);
        }
    }
}
