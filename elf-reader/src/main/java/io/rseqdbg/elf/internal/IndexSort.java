package io.rseqdbg.elf.internal;

/**
 * Sorts indices by unsigned 64-bit keys without boxing, stably (a bottom-up merge sort), so that
 * parallel primitive arrays can be put in address order: symbol tables hold up to hundreds of
 * thousands of entries, and a {@code Comparator} over boxed values costs more than reading them.
 */
final class IndexSort {

    private IndexSort() {
    }

    /** The indices {@code 0..count-1} ordered by {@code keys[i]} (unsigned), equal keys in index order. */
    static int[] byUnsigned(long[] keys, int count) {
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        if (alreadySorted(keys, count)) {
            return order;
        }
        int[] scratch = new int[count];
        for (int width = 1; width < count; width *= 2) {
            for (int lo = 0; lo < count; lo += 2 * width) {
                int mid = Math.min(lo + width, count);
                int hi = Math.min(lo + 2 * width, count);
                merge(keys, order, scratch, lo, mid, hi);
            }
            int[] t = order;
            order = scratch;
            scratch = t;
        }
        return order;
    }

    private static void merge(long[] keys, int[] from, int[] to, int lo, int mid, int hi) {
        int a = lo;
        int b = mid;
        for (int k = lo; k < hi; k++) {
            if (a < mid && (b >= hi || Long.compareUnsigned(keys[from[a]], keys[from[b]]) <= 0)) {
                to[k] = from[a++];
            } else {
                to[k] = from[b++];
            }
        }
    }

    private static boolean alreadySorted(long[] keys, int count) {
        for (int i = 1; i < count; i++) {
            if (Long.compareUnsigned(keys[i - 1], keys[i]) > 0) {
                return false;
            }
        }
        return true;
    }
}
