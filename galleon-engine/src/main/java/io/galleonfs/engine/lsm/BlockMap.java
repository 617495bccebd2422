package io.galleonfs.engine.lsm;

import java.util.Arrays;

/**
 * Open-addressing hash map block number -> (location, CRC32C) of one volume, in three parallel primitive arrays
 * (16 bytes per slot, no per-entry objects). Linear probing, deletion by backward shift (no tombstones), capacity a
 * power of two, load at most 3/4: between 21 and 32 bytes of heap per mapped block once the map has grown.
 *
 * <p>Not thread-safe: {@link ExtentIndex} guards each map with its monitor.
 */
final class BlockMap {
    static final int EMPTY = -1;
    /** Returned by lookups of unmapped blocks; never a real location (segment ids are below 2^31). */
    static final long ABSENT = -1L;
    /**
     * Stored in a snapshot's map (see {@link VolumeVersions}): the block read as zeros in that version. Never a record
     * location, so it holds no space and the cleaner never sees it.
     */
    static final long HOLE = -2L;
    private static final int MIN_CAPACITY = 16;

    private int[] keys;
    private long[] locations;
    private int[] crcs;
    private int size;
    private int mask;

    BlockMap() {
        this(MIN_CAPACITY);
    }

    private BlockMap(int capacity) {
        allocate(capacity);
    }

    private void allocate(int capacity) {
        keys = new int[capacity];
        Arrays.fill(keys, EMPTY);
        locations = new long[capacity];
        crcs = new int[capacity];
        mask = capacity - 1;
        size = 0;
    }

    int size() {
        return size;
    }

    /** Heap bytes held by the arrays (the per-block cost the issue bounds at 32). */
    long heapBytes() {
        return (long) keys.length * (Integer.BYTES + Long.BYTES + Integer.BYTES);
    }

    private static int slotOf(int key, int mask) {
        int h = key * 0x9E3779B9; // Fibonacci hashing: consecutive blocks spread over the table
        return (h ^ (h >>> 16)) & mask;
    }

    private int find(int block) {
        int slot = slotOf(block, mask);
        while (true) {
            int k = keys[slot];
            if (k == block) {
                return slot;
            }
            if (k == EMPTY) {
                return -1;
            }
            slot = (slot + 1) & mask;
        }
    }

    long location(int block) {
        int slot = find(block);
        return slot < 0 ? ABSENT : locations[slot];
    }

    /** The CRC32C of a mapped block; only meaningful when {@link #location} is not ABSENT. */
    int crc(int block) {
        int slot = find(block);
        return slot < 0 ? 0 : crcs[slot];
    }

    /** Maps {@code block}; returns the previous location or ABSENT. */
    long put(int block, long location, int crc) {
        if (block < 0) {
            throw new IllegalArgumentException("block " + block);
        }
        int slot = slotOf(block, mask);
        while (true) {
            int k = keys[slot];
            if (k == block) {
                long previous = locations[slot];
                locations[slot] = location;
                crcs[slot] = crc;
                return previous;
            }
            if (k == EMPTY) {
                keys[slot] = block;
                locations[slot] = location;
                crcs[slot] = crc;
                if (++size > (keys.length >> 2) * 3) {
                    grow();
                }
                return ABSENT;
            }
            slot = (slot + 1) & mask;
        }
    }

    /** Unmaps {@code block}; returns its location or ABSENT. */
    long remove(int block) {
        int slot = find(block);
        if (slot < 0) {
            return ABSENT;
        }
        long previous = locations[slot];
        deleteSlot(slot);
        return previous;
    }

    /** Backward-shift deletion: moves later members of the probe run into the hole so lookups stay correct. */
    private void deleteSlot(int hole) {
        int slot = hole;
        while (true) {
            slot = (slot + 1) & mask;
            int k = keys[slot];
            if (k == EMPTY) {
                break;
            }
            int home = slotOf(k, mask);
            // k may move into the hole iff its home is not in (hole, slot] cyclically.
            boolean homeBetween = hole <= slot ? home > hole && home <= slot : home > hole || home <= slot;
            if (!homeBetween) {
                keys[hole] = k;
                locations[hole] = locations[slot];
                crcs[hole] = crcs[slot];
                hole = slot;
            }
        }
        keys[hole] = EMPTY;
        size--;
    }

    private void grow() {
        int[] oldKeys = keys;
        long[] oldLocations = locations;
        int[] oldCrcs = crcs;
        allocate(oldKeys.length << 1);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                put(oldKeys[i], oldLocations[i], oldCrcs[i]);
            }
        }
    }

    @FunctionalInterface
    interface EntryVisitor {
        void visit(int block, long location, int crc);
    }

    void forEach(EntryVisitor visitor) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != EMPTY) {
                visitor.visit(keys[i], locations[i], crcs[i]);
            }
        }
    }

    /**
     * Unmaps every block in [first, first + count) and reports the removed locations. Walks the range when it is
     * smaller than the map and the map otherwise, so trimming a whole thin volume costs O(mapped blocks).
     */
    void removeRange(long first, long count, java.util.function.LongConsumer removed) {
        long end = Math.min(first + count, Integer.MAX_VALUE);
        if (count <= size) {
            for (long b = Math.max(first, 0); b < end; b++) {
                long loc = remove((int) b);
                if (loc != ABSENT) {
                    removed.accept(loc);
                }
            }
            return;
        }
        int[] victims = new int[size];
        int n = 0;
        for (int k : keys) {
            if (k != EMPTY && k >= first && k < end) {
                victims[n++] = k;
            }
        }
        for (int i = 0; i < n; i++) {
            removed.accept(remove(victims[i]));
        }
    }

    /** The mapped blocks in [first, first + count), walking whichever of range and map is smaller. */
    int[] blocksIn(long first, long count) {
        long end = Math.min(first + count, Integer.MAX_VALUE);
        int[] out = new int[(int) Math.min(size, Math.max(0, end - Math.max(first, 0)))];
        int n = 0;
        if (count <= size) {
            for (long b = Math.max(first, 0); b < end; b++) {
                if (find((int) b) >= 0) {
                    out[n++] = (int) b;
                }
            }
        } else {
            for (int k : keys) {
                if (k != EMPTY && k >= first && k < end) {
                    out[n++] = k;
                }
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /** Adds every mapped block to {@code bitmap}. */
    void addKeysTo(org.roaringbitmap.RoaringBitmap bitmap) {
        for (int k : keys) {
            if (k != EMPTY) {
                bitmap.add(k);
            }
        }
    }

    BlockMap copy() {
        BlockMap c = new BlockMap(MIN_CAPACITY);
        c.keys = keys.clone();
        c.locations = locations.clone();
        c.crcs = crcs.clone();
        c.size = size;
        c.mask = mask;
        return c;
    }
}
