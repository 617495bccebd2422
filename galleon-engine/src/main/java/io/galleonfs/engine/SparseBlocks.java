package io.galleonfs.engine;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Layout of a {@link LayerDelta} chunk that holds few blocks: a single {@code long[]} of entries sorted by
 * offset in the chunk, each {@code key, seq[, tag low, tag high]} with
 * {@code key = offset << 40 | state << 32 | crc}. Unused entries at the tail hold {@code EMPTY}, whose offset
 * field is above every real offset, so the array needs no header and a binary search needs no count.
 * A cleared block stays as an ABSENT entry (tombstone), reused if the block returns, until a full array is
 * compacted.
 *
 * <p>One writer at a time (the delta's monitor), lock-free readers. An array the directory publishes is
 * changed in place only in ways that keep it sorted at every instant, whatever a search reads when:
 * filling the first EMPTY entry (appending a higher offset) or rewriting the entry of an existing offset.
 * Any other insertion builds a new array and publishes that; the old array is never written again, so a
 * reader still holding it sees a state that was current when it looked the chunk up. Keys are written
 * with release and read with acquire semantics (atomic, and the values written before a key are visible
 * with it); the values of one block are read only under that block's stripe lock, like its writer's.</p>
 */
final class SparseBlocks {
    static final SparseBlocks PLAIN = new SparseBlocks(false);
    static final SparseBlocks WITH_TAGS = new SparseBlocks(true);

    private static final VarHandle KEYS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle TAG_HALVES = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long EMPTY = Long.MAX_VALUE;
    private static final int OFFSET_SHIFT = 40;
    private static final int STATE_SHIFT = 32;

    private final boolean withTags;
    /** Longs per entry. */
    private final int stride;
    final int maxEntries;

    private SparseBlocks(boolean withTags) {
        this.withTags = withTags;
        this.stride = withTags ? 4 : 2;
        this.maxEntries = HeapBytes.sparseLimit(stride * Long.BYTES, DenseBlocks.heapBytes(withTags));
    }

    static SparseBlocks of(boolean withTags) {
        return withTags ? WITH_TAGS : PLAIN;
    }

    static long heapBytes(long[] a) {
        return HeapBytes.array(a.length, Long.BYTES);
    }

    private static long key(int offset, byte state, int crc) {
        return (long) offset << OFFSET_SHIFT | (long) (state & 0xFF) << STATE_SHIFT | (crc & 0xFFFFFFFFL);
    }

    private static int offsetOf(long key) {
        return (int) (key >>> OFFSET_SHIFT);
    }

    private static byte stateOf(long key) {
        return (byte) (key >>> STATE_SHIFT);
    }

    private int capacity(long[] a) {
        return a.length / stride;
    }

    private long keyAt(long[] a, int entry) {
        return (long) KEYS.getAcquire(a, entry * stride);
    }

    /** Entry holding {@code offset} (possibly a tombstone), or -(insertion point) - 1. */
    int find(long[] a, int offset) {
        int lo = 0;
        int hi = capacity(a);
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (offsetOf(keyAt(a, mid)) < offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo < capacity(a) && offsetOf(keyAt(a, lo)) == offset ? lo : -lo - 1;
    }

    byte stateAt(long[] a, int entry) {
        return stateOf(keyAt(a, entry));
    }

    byte state(long[] a, int offset) {
        int e = find(a, offset);
        return e < 0 ? LayerDelta.ABSENT : stateAt(a, e);
    }

    BlockVersion version(long[] a, int offset) {
        int e = find(a, offset);
        if (e < 0) {
            return null;
        }
        long key = keyAt(a, e);
        if (stateOf(key) != LayerDelta.DATA) {
            return null;
        }
        int base = e * stride;
        byte[] tag = null;
        if (withTags) {
            tag = new byte[LayerDelta.TAG_BYTES];
            TAG_HALVES.set(tag, 0, a[base + 2]);
            TAG_HALVES.set(tag, Long.BYTES, a[base + 3]);
        }
        return new BlockVersion((int) key, a[base + 1], tag);
    }

    /** Whether {@code entry} is the first unused one: writing it there keeps the array sorted. */
    boolean isFree(long[] a, int entry) {
        return entry < capacity(a) && keyAt(a, entry) == EMPTY;
    }

    /** Values first, key last: a search never meets a key whose values are not yet there. */
    void write(long[] a, int entry, int offset, byte state, int crc, long seq, byte[] tag) {
        int base = entry * stride;
        boolean data = state == LayerDelta.DATA;
        a[base + 1] = data ? seq : 0;
        if (withTags) {
            a[base + 2] = data ? (long) TAG_HALVES.get(tag, 0) : 0;
            a[base + 3] = data ? (long) TAG_HALVES.get(tag, Long.BYTES) : 0;
        }
        KEYS.setRelease(a, base, key(offset, state, data ? crc : 0));
    }

    void clearAt(long[] a, int entry) {
        KEYS.setRelease(a, entry * stride, key(offsetOf(keyAt(a, entry)), LayerDelta.ABSENT, 0));
    }

    /** Entries that are not tombstones. */
    int live(long[] a) {
        int n = 0;
        for (int e = 0, cap = capacity(a); e < cap; e++) {
            long k = keyAt(a, e);
            if (k == EMPTY) {
                break;
            }
            if (stateOf(k) != LayerDelta.ABSENT) {
                n++;
            }
        }
        return n;
    }

    long[] single(int offset, byte state, int crc, long seq, byte[] tag) {
        long[] a = new long[stride];
        write(a, 0, offset, state, crc, seq, tag);
        return a;
    }

    /** Entries in use, tombstones included: the index of the first EMPTY entry. */
    int used(long[] a) {
        return -find(a, ChunkDirectory.CHUNK_SIZE) - 1;
    }

    boolean isFull(long[] a, int used) {
        return used == capacity(a);
    }

    /**
     * A copy of {@code a} with a new entry at index {@code at}, which must be its insertion point; same
     * capacity when {@code a} has room, doubled when it is full.
     */
    long[] inserted(long[] a, int used, int at, int offset, byte state, int crc, long seq, byte[] tag) {
        long[] b = new long[isFull(a, used) ? 2 * a.length : a.length];
        System.arraycopy(a, 0, b, 0, at * stride);
        System.arraycopy(a, at * stride, b, (at + 1) * stride, (used - at) * stride);
        write(b, at, offset, state, crc, seq, tag);
        markUnused(b, used + 1);
        return b;
    }

    /** A new array of the live entries of {@code a} plus one for {@code offset}: {@code entries} in all. */
    long[] compacted(long[] a, int entries, int offset, byte state, int crc, long seq, byte[] tag) {
        long[] b = new long[HeapBytes.capacityFor(entries) * stride];
        int out = 0;
        boolean placed = false;
        for (int e = 0, cap = capacity(a); e < cap; e++) {
            long k = a[e * stride];
            if (k == EMPTY) {
                break;
            }
            if (stateOf(k) == LayerDelta.ABSENT) {
                continue;
            }
            if (!placed && offsetOf(k) > offset) {
                write(b, out++, offset, state, crc, seq, tag);
                placed = true;
            }
            System.arraycopy(a, e * stride, b, out++ * stride, stride);
        }
        if (!placed) {
            write(b, out++, offset, state, crc, seq, tag);
        }
        markUnused(b, out);
        return b;
    }

    DenseBlocks toDense(long[] a) {
        DenseBlocks d = new DenseBlocks(withTags);
        byte[] tag = withTags ? new byte[LayerDelta.TAG_BYTES] : null;
        for (int e = 0, cap = capacity(a); e < cap; e++) {
            long k = keyAt(a, e);
            if (k == EMPTY) {
                break;
            }
            byte s = stateOf(k);
            if (s == LayerDelta.ABSENT) {
                continue;
            }
            int base = e * stride;
            if (withTags) {
                TAG_HALVES.set(tag, 0, a[base + 2]);
                TAG_HALVES.set(tag, Long.BYTES, a[base + 3]);
            }
            d.store(offsetOf(k), s, (int) k, a[base + 1], tag);
        }
        return d;
    }

    void forEachPresent(long[] a, long first, long fromBlock, long toBlock, LayerDelta.BlockVisitor visitor)
            throws IOException {
        for (int e = 0, cap = capacity(a); e < cap; e++) {
            long k = keyAt(a, e);
            if (k == EMPTY) {
                return;
            }
            long block = first + offsetOf(k);
            if (block >= toBlock) {
                return;
            }
            byte s = stateOf(k);
            if (s != LayerDelta.ABSENT && block >= fromBlock) {
                visitor.visit(block, s);
            }
        }
    }

    boolean anyPresent(long[] a, long first, long fromBlock, long toBlock) {
        for (int e = 0, cap = capacity(a); e < cap; e++) {
            long k = keyAt(a, e);
            if (k == EMPTY) {
                return false;
            }
            long block = first + offsetOf(k);
            if (block >= toBlock) {
                return false;
            }
            if (stateOf(k) != LayerDelta.ABSENT && block >= fromBlock) {
                return true;
            }
        }
        return false;
    }

    private void markUnused(long[] a, int fromEntry) {
        for (int e = fromEntry, cap = capacity(a); e < cap; e++) {
            a[e * stride] = EMPTY;
        }
    }
}
