package io.rseqdbg.elf.internal;

import java.util.Arrays;

/**
 * Addresses to values, without boxing: appended in any order, sorted once, then looked up by
 * binary search. Tables hold tens of thousands of relocated words; a HashMap of Longs costs more
 * than the reading.
 */
final class LongMap {

    private long[] keys = new long[64];
    private long[] values = new long[64];
    private int size;
    private boolean sorted = true;

    void put(long key, long value) {
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        if (size > 0 && Long.compareUnsigned(keys[size - 1], key) > 0) {
            sorted = false;
        }
        keys[size] = key;
        values[size] = value;
        size++;
    }

    /** The index of {@code key}, or -1. */
    int indexOf(long key) {
        sort();
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Long.compareUnsigned(keys[mid], key);
            if (c == 0) {
                return mid;
            } else if (c < 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return -1;
    }

    long valueAt(int index) {
        return values[index];
    }

    private void sort() {
        if (sorted) {
            return;
        }
        // Sort index pairs by key (unsigned): flip the sign bit so signed order is unsigned order.
        long[][] pairs = new long[size][];
        for (int i = 0; i < size; i++) {
            pairs[i] = new long[] {keys[i] ^ Long.MIN_VALUE, values[i]};
        }
        Arrays.sort(pairs, (a, b) -> Long.compare(a[0], b[0]));
        for (int i = 0; i < size; i++) {
            keys[i] = pairs[i][0] ^ Long.MIN_VALUE;
            values[i] = pairs[i][1];
        }
        sorted = true;
    }
}
