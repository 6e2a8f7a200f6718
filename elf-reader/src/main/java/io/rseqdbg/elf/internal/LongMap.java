package io.rseqdbg.elf.internal;

/**
 * Addresses to values without boxing: open addressing, linear probing. Tables hold tens of
 * thousands of relocated words and descriptors; a HashMap of Longs costs more than the reading,
 * and table addresses (multiples of 8 or 32) crowd its buckets.
 */
final class LongMap {

    private long[] keys;
    private long[] values;
    private boolean[] used;
    private int size;

    LongMap() {
        this(32);
    }

    /** A map that holds {@code expected} keys without growing. */
    LongMap(int expected) {
        int capacity = Integer.highestOneBit(Math.max(32, Math.min(expected, 1 << 28)) * 2 - 1) * 2;
        keys = new long[capacity];
        values = new long[capacity];
        used = new boolean[capacity];
    }

    /** Sets {@code key -> value}, replacing an earlier value. */
    void put(long key, long value) {
        int i = slot(key);
        if (!used[i]) {
            if (2 * (size + 1) > keys.length) {
                grow();
                i = slot(key);
            }
            used[i] = true;
            keys[i] = key;
            size++;
        }
        values[i] = value;
    }

    /** Adds {@code key -> value} unless the key is present; true if added. */
    boolean putIfAbsent(long key, long value) {
        if (containsKey(key)) {
            return false;
        }
        put(key, value);
        return true;
    }

    boolean containsKey(long key) {
        return used[slot(key)];
    }

    long get(long key, long absent) {
        int i = slot(key);
        return used[i] ? values[i] : absent;
    }

    /** The slot holding {@code key}, or the free slot where it would go. */
    private int slot(long key) {
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (used[i] && keys[i] != key) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        boolean[] oldUsed = used;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        used = new boolean[oldKeys.length * 2];
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldUsed[i]) {
                int j = slot(oldKeys[i]);
                used[j] = true;
                keys[j] = oldKeys[i];
                values[j] = oldValues[i];
            }
        }
    }

    /** A 64-bit finalizer (from MurmurHash3): every key bit moves the low bits used as the slot. */
    private static int mix(long key) {
        long h = key;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return (int) h;
    }
}
