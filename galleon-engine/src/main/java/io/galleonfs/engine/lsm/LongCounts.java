package io.galleonfs.engine.lsm;

import java.util.Arrays;

/**
 * Open-addressing hash map long -> positive int count in two primitive arrays (12 bytes per slot, load at most 3/4:
 * 16 to 24 bytes per entry, against ~60 for a boxed HashMap entry). Linear probing, backward-shift deletion (no
 * tombstones). Keys must not be {@link #EMPTY}. The extent index counts a record's extra references with it.
 *
 * <p>Not thread-safe.
 */
final class LongCounts {
    static final long EMPTY = Long.MIN_VALUE;
    private static final int MIN_CAPACITY = 16;

    private long[] keys;
    private int[] counts;
    private int size;
    private int mask;

    LongCounts() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        counts = new int[capacity];
        mask = capacity - 1;
        size = 0;
    }

    int size() {
        return size;
    }

    long heapBytes() {
        return (long) keys.length * (Long.BYTES + Integer.BYTES);
    }

    private static int slotOf(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private int find(long key) {
        int slot = slotOf(key, mask);
        while (true) {
            long k = keys[slot];
            if (k == key) {
                return slot;
            }
            if (k == EMPTY) {
                return -1;
            }
            slot = (slot + 1) & mask;
        }
    }

    /** The count of {@code key}, 0 when absent. */
    int get(long key) {
        int slot = find(key);
        return slot < 0 ? 0 : counts[slot];
    }

    /** Adds {@code delta} (may be negative) to the count of {@code key}; a count reaching 0 removes the key. */
    void add(long key, int delta) {
        if (key == EMPTY) {
            throw new IllegalArgumentException("reserved key");
        }
        int slot = slotOf(key, mask);
        while (true) {
            long k = keys[slot];
            if (k == key) {
                counts[slot] += delta;
                if (counts[slot] <= 0) {
                    deleteSlot(slot);
                }
                return;
            }
            if (k == EMPTY) {
                if (delta <= 0) {
                    return;
                }
                keys[slot] = key;
                counts[slot] = delta;
                if (++size > (keys.length >> 2) * 3) {
                    grow();
                }
                return;
            }
            slot = (slot + 1) & mask;
        }
    }

    /** Removes {@code key}; returns its count (0 when absent). */
    int remove(long key) {
        int slot = find(key);
        if (slot < 0) {
            return 0;
        }
        int count = counts[slot];
        deleteSlot(slot);
        return count;
    }

    private void deleteSlot(int hole) {
        int slot = hole;
        while (true) {
            slot = (slot + 1) & mask;
            long k = keys[slot];
            if (k == EMPTY) {
                break;
            }
            int home = slotOf(k, mask);
            boolean homeBetween = hole <= slot ? home > hole && home <= slot : home > hole || home <= slot;
            if (!homeBetween) {
                keys[hole] = k;
                counts[hole] = counts[slot];
                hole = slot;
            }
        }
        keys[hole] = EMPTY;
        size--;
        if (size == 0 && keys.length > MIN_CAPACITY) {
            allocate(MIN_CAPACITY); // sharing ended (clones deleted): give the table back
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldCounts = counts;
        allocate(oldKeys.length << 1);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                add(oldKeys[i], oldCounts[i]);
            }
        }
    }
}
