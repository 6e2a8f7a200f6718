package io.rseqdbg.elf.internal;

import io.rseqdbg.elf.internal.Relocations.Range;
import java.util.List;

/**
 * Address ranges sorted and merged, for a membership test per relocation entry: a binary search
 * instead of a scan, since a table may point at thousands of descriptors outside its sections.
 */
final class Ranges {

    private final long[] starts;
    /** Exclusive ends; a range that would wrap ends at the top of the address space. */
    private final long[] ends;

    private Ranges(long[] starts, long[] ends) {
        this.starts = starts;
        this.ends = ends;
    }

    static Ranges of(List<Range> ranges) {
        long[] rawStarts = new long[ranges.size()];
        for (int i = 0; i < rawStarts.length; i++) {
            rawStarts[i] = ranges.get(i).start();
        }
        int[] order = IndexSort.byUnsigned(rawStarts, rawStarts.length);
        long[] starts = new long[order.length];
        long[] ends = new long[order.length];
        int n = 0;
        for (int i : order) {
            Range r = ranges.get(i);
            if (r.length() == 0) {
                continue;
            }
            long end = r.start() + r.length();
            if (Long.compareUnsigned(end, r.start()) < 0) {
                end = -1L;
            }
            if (n > 0 && Long.compareUnsigned(r.start(), ends[n - 1]) <= 0) {
                if (Long.compareUnsigned(end, ends[n - 1]) > 0) {
                    ends[n - 1] = end;
                }
            } else {
                starts[n] = r.start();
                ends[n] = end;
                n++;
            }
        }
        return new Ranges(java.util.Arrays.copyOf(starts, n), java.util.Arrays.copyOf(ends, n));
    }

    /** The number of addresses in all ranges, saturating at Long.MAX_VALUE. */
    long totalLength() {
        long total = 0;
        for (int i = 0; i < starts.length; i++) {
            long length = ends[i] - starts[i];
            total = length < 0 || total + length < 0 ? Long.MAX_VALUE : total + length;
        }
        return total;
    }

    boolean isEmpty() {
        return starts.length == 0;
    }

    boolean contains(long address) {
        int i = lastStartAtOrBefore(address);
        return i >= 0 && Long.compareUnsigned(address, ends[i]) < 0;
    }

    /** True when some range shares an address with {@code [start, start + length)}. */
    boolean overlaps(long start, long length) {
        if (length == 0) {
            return false;
        }
        long end = start + length;
        if (Long.compareUnsigned(end, start) < 0) {
            end = -1L;
        }
        int i = lastStartAtOrBefore(end - 1);
        return i >= 0 && Long.compareUnsigned(ends[i], start) > 0;
    }

    private int lastStartAtOrBefore(long address) {
        int lo = 0;
        int hi = starts.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(starts[mid], address) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }
}
