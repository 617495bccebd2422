package io.galleonfs.engine;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.ToLongFunction;

/**
 * Sparse two-level array of per-block chunks. A chunk covers {@link #CHUNK_SIZE} consecutive blocks and
 * exists only once one of its blocks was touched; a leaf of {@code LEAF_SIZE} chunk slots exists only once
 * one of its chunks was. Memory follows the data written, not the volume size: the slots cost 4 bytes per
 * chunk of the touched range (about 1 MiB per TiB at 4 KiB blocks when writes land everywhere).
 *
 * <p>Lookups are lock free. Chunks are published with volatile semantics, so a reader that finds a chunk
 * sees everything written into it before {@link #put}. Changes are serialized on this object.</p>
 */
final class ChunkDirectory<C> {
    static final int CHUNK_SHIFT = 10;
    static final int CHUNK_SIZE = 1 << CHUNK_SHIFT;
    static final int CHUNK_MASK = CHUNK_SIZE - 1;
    private static final int LEAF_SHIFT = 10;
    private static final int LEAF_SIZE = 1 << LEAF_SHIFT;
    private static final int LEAF_MASK = LEAF_SIZE - 1;
    /** An AtomicReferenceArray object: header and the reference to its array. */
    private static final long SLOT_ARRAY_OBJECT = HeapBytes.object(HeapBytes.REFERENCE);

    @FunctionalInterface
    interface ChunkVisitor<C> {
        void visit(long firstBlock, C chunk) throws IOException;
    }

    private volatile AtomicReferenceArray<AtomicReferenceArray<C>> top = new AtomicReferenceArray<>(1);

    static int offsetInChunk(long block) {
        return (int) (block & CHUNK_MASK);
    }

    C get(long block) {
        long chunkIndex = block >>> CHUNK_SHIFT;
        AtomicReferenceArray<AtomicReferenceArray<C>> t = top;
        long topIndex = chunkIndex >>> LEAF_SHIFT;
        if (topIndex >= t.length()) {
            return null;
        }
        AtomicReferenceArray<C> leaf = t.get((int) topIndex);
        return leaf == null ? null : leaf.get((int) (chunkIndex & LEAF_MASK));
    }

    /** Installs or replaces the chunk covering {@code block}. */
    synchronized void put(long block, C chunk) {
        long chunkIndex = block >>> CHUNK_SHIFT;
        int topIndex = Math.toIntExact(chunkIndex >>> LEAF_SHIFT);
        AtomicReferenceArray<AtomicReferenceArray<C>> t = top;
        if (topIndex >= t.length()) {
            AtomicReferenceArray<AtomicReferenceArray<C>> grown = new AtomicReferenceArray<>(topIndex + 1);
            for (int i = 0; i < t.length(); i++) {
                grown.set(i, t.get(i));
            }
            top = grown;
            t = grown;
        }
        AtomicReferenceArray<C> leaf = t.get(topIndex);
        if (leaf == null) {
            leaf = new AtomicReferenceArray<>(LEAF_SIZE);
            t.set(topIndex, leaf);
        }
        leaf.set((int) (chunkIndex & LEAF_MASK), chunk);
    }

    synchronized void remove(long block) {
        long chunkIndex = block >>> CHUNK_SHIFT;
        AtomicReferenceArray<AtomicReferenceArray<C>> t = top;
        long topIndex = chunkIndex >>> LEAF_SHIFT;
        if (topIndex < t.length()) {
            AtomicReferenceArray<C> leaf = t.get((int) topIndex);
            if (leaf != null) {
                leaf.set((int) (chunkIndex & LEAF_MASK), null);
            }
        }
    }

    /** Visits the existing chunks that overlap blocks [fromBlock, toBlock), in block order. */
    void forEach(long fromBlock, long toBlock, ChunkVisitor<C> visitor) throws IOException {
        if (fromBlock >= toBlock) {
            return;
        }
        AtomicReferenceArray<AtomicReferenceArray<C>> t = top;
        long firstChunk = fromBlock >>> CHUNK_SHIFT;
        long lastChunk = (toBlock - 1) >>> CHUNK_SHIFT;
        for (long topIndex = firstChunk >>> LEAF_SHIFT; topIndex <= (lastChunk >>> LEAF_SHIFT) && topIndex < t.length(); topIndex++) {
            AtomicReferenceArray<C> leaf = t.get((int) topIndex);
            if (leaf == null) {
                continue;
            }
            long base = topIndex << LEAF_SHIFT;
            int from = (int) Math.max(0, firstChunk - base);
            int to = (int) Math.min(LEAF_SIZE - 1, lastChunk - base);
            for (int i = from; i <= to; i++) {
                C chunk = leaf.get(i);
                if (chunk != null) {
                    visitor.visit((base + i) << CHUNK_SHIFT, chunk);
                }
            }
        }
    }

    void forEach(ChunkVisitor<C> visitor) throws IOException {
        forEach(0, Long.MAX_VALUE >>> 1, visitor);
    }

    /** The directory's own arrays plus {@code chunkBytes} of every chunk; racy but never fails. */
    long estimatedHeapBytes(ToLongFunction<C> chunkBytes) {
        AtomicReferenceArray<AtomicReferenceArray<C>> t = top;
        long bytes = HeapBytes.object(HeapBytes.REFERENCE) + SLOT_ARRAY_OBJECT + HeapBytes.array(t.length(), HeapBytes.REFERENCE);
        for (int i = 0; i < t.length(); i++) {
            AtomicReferenceArray<C> leaf = t.get(i);
            if (leaf == null) {
                continue;
            }
            bytes += SLOT_ARRAY_OBJECT + HeapBytes.array(LEAF_SIZE, HeapBytes.REFERENCE);
            for (int j = 0; j < LEAF_SIZE; j++) {
                C chunk = leaf.get(j);
                if (chunk != null) {
                    bytes += chunkBytes.applyAsLong(chunk);
                }
            }
        }
        return bytes;
    }
}
