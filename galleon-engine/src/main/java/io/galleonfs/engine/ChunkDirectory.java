package io.galleonfs.engine;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * Sparse two-level array of per-block chunks. A chunk covers {@link #CHUNK_SIZE} consecutive blocks and
 * is allocated the first time one of its blocks is touched, so memory follows the data written and not
 * the volume size. Lookups are lock free; chunk creation is serialized on this object.
 */
final class ChunkDirectory<C> {
    static final int CHUNK_SHIFT = 10;
    static final int CHUNK_SIZE = 1 << CHUNK_SHIFT;
    static final int CHUNK_MASK = CHUNK_SIZE - 1;
    private static final int LEAF_SHIFT = 10;
    private static final int LEAF_SIZE = 1 << LEAF_SHIFT;
    private static final int LEAF_MASK = LEAF_SIZE - 1;

    @FunctionalInterface
    interface ChunkVisitor<C> {
        void visit(long firstBlock, C chunk) throws IOException;
    }

    private final Supplier<C> factory;
    private volatile AtomicReferenceArray<AtomicReferenceArray<C>> top = new AtomicReferenceArray<>(1);

    ChunkDirectory(Supplier<C> factory) {
        this.factory = factory;
    }

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

    C getOrCreate(long block) {
        C chunk = get(block);
        return chunk != null ? chunk : create(block);
    }

    private synchronized C create(long block) {
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
        int leafIndex = (int) (chunkIndex & LEAF_MASK);
        C chunk = leaf.get(leafIndex);
        if (chunk == null) {
            chunk = factory.get();
            leaf.set(leafIndex, chunk);
        }
        return chunk;
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
}
