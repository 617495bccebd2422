package io.galleonfs.engine;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Layout of a {@link ResolvedMap} chunk with few entries: an {@code int[]} sorted by offset in the chunk,
 * entry = {@code offset << 21 | slotPlusOne}; 0 as slot marks a cleared entry (tombstone), -1 an unused
 * tail entry (its offset field, 2047, is above every real offset). A dense chunk is a plain
 * {@code int[CHUNK_SIZE]} indexed by offset; sparse arrays never grow that long, so the length tells the
 * two apart. Concurrency rules are those of {@link SparseBlocks}: in place only appends and rewrites of an
 * existing offset, anything else copies; entries are written with release and read with acquire semantics.
 */
final class SparseSlots {
    private static final VarHandle ENTRIES = MethodHandles.arrayElementVarHandle(int[].class);
    private static final int OFFSET_SHIFT = 21;
    private static final int EMPTY = -1;
    /** Larger slot numbers do not fit an entry; their chunk goes dense. */
    static final int MAX_SLOT = (1 << OFFSET_SHIFT) - 1;
    /** An int[1] takes as much heap as an int[2]. */
    private static final int MIN_CAPACITY = 2;
    static final int MAX_ENTRIES = HeapBytes.sparseLimit(Integer.BYTES,
            HeapBytes.array(ChunkDirectory.CHUNK_SIZE, Integer.BYTES));

    static {
        if (MAX_ENTRIES >= ChunkDirectory.CHUNK_SIZE) {
            throw new AssertionError("sparse resolved chunks must stay shorter than dense ones");
        }
    }

    private SparseSlots() {
    }

    static boolean isDense(int[] chunk) {
        return chunk.length == ChunkDirectory.CHUNK_SIZE;
    }

    static long heapBytes(int[] chunk) {
        return HeapBytes.array(chunk.length, Integer.BYTES);
    }

    private static int entry(int offset, int slotPlusOne) {
        return offset << OFFSET_SHIFT | slotPlusOne;
    }

    private static int offsetOf(int entry) {
        return entry >>> OFFSET_SHIFT;
    }

    private static int slotOf(int entry) {
        return entry == EMPTY ? 0 : entry & MAX_SLOT;
    }

    private static int at(int[] a, int index) {
        return (int) ENTRIES.getAcquire(a, index);
    }

    /** Index of the entry for {@code offset} (possibly a tombstone), or -(insertion point) - 1. */
    static int find(int[] a, int offset) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (offsetOf(at(a, mid)) < offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo < a.length && offsetOf(at(a, lo)) == offset ? lo : -lo - 1;
    }

    static int get(int[] a, int offset) {
        int i = find(a, offset);
        return i < 0 ? 0 : slotAt(a, i);
    }

    static int slotAt(int[] a, int index) {
        return slotOf(at(a, index));
    }

    static boolean isFree(int[] a, int index) {
        return index < a.length && at(a, index) == EMPTY;
    }

    /** Sets entry {@code index}, which is free or already holds {@code offset}. */
    static void write(int[] a, int index, int offset, int slotPlusOne) {
        ENTRIES.setRelease(a, index, entry(offset, slotPlusOne));
    }

    static int live(int[] a) {
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            int e = at(a, i);
            if (e == EMPTY) {
                break;
            }
            if (slotOf(e) != 0) {
                n++;
            }
        }
        return n;
    }

    static int[] single(int offset, int slotPlusOne) {
        int[] a = newArray(MIN_CAPACITY);
        a[0] = entry(offset, slotPlusOne);
        return a;
    }

    /** Entries in use, tombstones included: the index of the first EMPTY entry. */
    static int used(int[] a) {
        return -find(a, ChunkDirectory.CHUNK_SIZE) - 1;
    }

    /**
     * A copy of {@code a} with a new entry at index {@code at}, which must be its insertion point; same
     * capacity when {@code a} has room, doubled when it is full.
     */
    static int[] inserted(int[] a, int used, int at, int offset, int slotPlusOne) {
        int[] b = new int[used == a.length ? 2 * a.length : a.length];
        System.arraycopy(a, 0, b, 0, at);
        System.arraycopy(a, at, b, at + 1, used - at);
        b[at] = entry(offset, slotPlusOne);
        Arrays.fill(b, used + 1, b.length, EMPTY);
        return b;
    }

    /** A new array of the live entries of {@code a} plus one for {@code offset}: {@code entries} in all. */
    static int[] compacted(int[] a, int entries, int offset, int slotPlusOne) {
        int[] b = newArray(Math.max(MIN_CAPACITY, HeapBytes.capacityFor(entries)));
        int out = 0;
        boolean placed = false;
        for (int e : a) {
            if (e == EMPTY) {
                break;
            }
            if (slotOf(e) == 0) {
                continue;
            }
            if (!placed && offsetOf(e) > offset) {
                b[out++] = entry(offset, slotPlusOne);
                placed = true;
            }
            b[out++] = e;
        }
        if (!placed) {
            b[out] = entry(offset, slotPlusOne);
        }
        return b;
    }

    /** The smaller layout for a chunk given one slot per offset (0 = none), or null when it is empty. */
    static int[] fromSlots(int[] slots) {
        int count = 0;
        boolean fits = true;
        for (int slot : slots) {
            if (slot != 0) {
                count++;
                fits &= slot <= MAX_SLOT;
            }
        }
        if (count == 0) {
            return null;
        }
        if (count > MAX_ENTRIES || !fits) {
            return slots.clone();
        }
        int[] a = newArray(Math.max(MIN_CAPACITY, HeapBytes.capacityFor(count)));
        int out = 0;
        for (int offset = 0; offset < slots.length; offset++) {
            if (slots[offset] != 0) {
                a[out++] = entry(offset, slots[offset]);
            }
        }
        return a;
    }

    static int[] toDense(int[] a) {
        int[] dense = new int[ChunkDirectory.CHUNK_SIZE];
        for (int i = 0; i < a.length; i++) {
            int e = at(a, i);
            if (e == EMPTY) {
                break;
            }
            dense[offsetOf(e)] = slotOf(e);
        }
        return dense;
    }

    static void forEach(int[] a, long first, long fromBlock, long toBlock, ResolvedMap.EntryVisitor visitor) throws IOException {
        for (int i = 0; i < a.length; i++) {
            int e = at(a, i);
            if (e == EMPTY) {
                return;
            }
            long block = first + offsetOf(e);
            if (block >= toBlock) {
                return;
            }
            int slot = slotOf(e);
            if (slot != 0 && block >= fromBlock) {
                visitor.visit(block, slot);
            }
        }
    }

    private static int[] newArray(int capacity) {
        int[] a = new int[capacity];
        Arrays.fill(a, EMPTY);
        return a;
    }
}
