package io.rseqdbg.ptrace;

import io.rseqdbg.ptrace.AddressSpace.Site;
import java.util.ArrayList;
import java.util.List;

/**
 * Planting and removing int3 bytes, counted per address (see {@link AddressSpace}); a removed
 * one is remembered as retired, so a trap it already caused is recognised. Stepping over a
 * planted one is the {@link Session}'s business. Tracer thread only.
 */
final class Breakpoints {
    private final Tracees tracees;
    private final ProcessMemory memory;

    Breakpoints(Tracees tracees, ProcessMemory memory) {
        this.tracees = tracees;
        this.memory = memory;
    }

    Breakpoint insertBreakpoint(int pid, long address) {
        ProcessState p = tracees.process(pid, "insert breakpoint");
        Site site = p.space.sites.get(address);
        if (site == null) {
            site = new Site(address, memory.readRaw(p, address, 1)[0]);
            memory.changed(p.pid, address, new byte[] {site.original}, new byte[] {AddressSpace.INT3});
            memory.writeRaw(p, address, AddressSpace.INT3);
            p.space.sites.put(address, site);
            p.space.retired.remove(address);
        }
        site.users++;
        return new Breakpoint(p.pid, address);
    }

    /** Removes one insert of the breakpoint; the original byte returns with the last. */
    void removeBreakpoint(Breakpoint bp) {
        ProcessState p = tracees.processOrNull(bp.pid());
        if (p == null) {
            return;
        }
        Site site = p.space.sites.get(bp.address());
        if (site == null || --site.users > 0) {
            return;
        }
        memory.writeRaw(p, site.address, site.original);
        memory.restored(p.pid, site.address);
        p.space.sites.remove(site.address);
        p.space.retired.add(site.address);
    }

    List<Breakpoint> breakpoints(int pid) {
        ProcessState p = tracees.process(pid, "breakpoints");
        List<Breakpoint> list = new ArrayList<>();
        for (long a : p.space.sites.keySet()) {
            list.add(new Breakpoint(pid, a));
        }
        return list;
    }
}
