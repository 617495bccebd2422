package io.galleonfs.engine;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import org.roaringbitmap.RoaringBitmap;

/**
 * The blocks one layer holds: per block ABSENT (look in the parent), DATA (crc, seq, tag) or ZERO
 * (reads as zeros, hides the parent). Stored per chunk of {@link ChunkDirectory#CHUNK_SIZE} blocks, created
 * on first touch: {@link SparseBlocks} (a sorted {@code long[]}, 16 bytes per block, 32 with GCM tags) while
 * the chunk holds few blocks, {@link DenseBlocks} (flat arrays, 13 or 29 KiB) once the sparse array would
 * be no smaller. Scattered writes thus cost about one small array each, sequential writes the flat arrays.
 *
 * <p>Mutated by one thread at a time, the journal thread (or recovery before any other thread exists);
 * mutators also hold this object's monitor, so the sparse arrays stay single-writer whatever the caller.
 * Readers take no lock of this class: a block is read under its stripe lock, which orders it against the
 * block's own writer, and the layouts keep other blocks' concurrent updates from disturbing that read
 * (see {@link SparseBlocks}); iterations without the stripe lock see each block either before or after a
 * concurrent change.</p>
 */
final class LayerDelta {
    static final byte ABSENT = 0;
    static final byte DATA = 1;
    static final byte ZERO = 2;
    static final int TAG_BYTES = 16;
    /** This object and its counter. */
    private static final long OWN_BYTES = HeapBytes.object(1 + 3 * HeapBytes.REFERENCE) + HeapBytes.object(Long.BYTES);

    @FunctionalInterface
    interface BlockVisitor {
        void visit(long block, byte state) throws IOException;
    }

    private final boolean withTags;
    private final SparseBlocks sparse;
    /** Each chunk is a {@code long[]} ({@link SparseBlocks}) or a {@link DenseBlocks}. */
    private final ChunkDirectory<Object> chunks = new ChunkDirectory<>();
    private final AtomicLong dataBlocks = new AtomicLong();

    LayerDelta(boolean withTags) {
        this.withTags = withTags;
        this.sparse = SparseBlocks.of(withTags);
    }

    boolean withTags() {
        return withTags;
    }

    byte state(long block) {
        Object c = chunks.get(block);
        int i = ChunkDirectory.offsetInChunk(block);
        if (c == null) {
            return ABSENT;
        }
        return c instanceof DenseBlocks d ? d.state[i] : sparse.state((long[]) c, i);
    }

    /** The version of a DATA block, or null. */
    BlockVersion version(long block) {
        Object c = chunks.get(block);
        int i = ChunkDirectory.offsetInChunk(block);
        if (c == null) {
            return null;
        }
        return c instanceof DenseBlocks d ? d.version(i) : sparse.version((long[]) c, i);
    }

    synchronized void setData(long block, int crc, long seq, byte[] tag) {
        if (withTags && (tag == null || tag.length != TAG_BYTES)) {
            throw new IllegalArgumentException("encrypted block " + block + " needs a 16-byte GCM tag");
        }
        if (store(block, DATA, crc, seq, withTags ? tag : null) != DATA) {
            dataBlocks.incrementAndGet();
        }
    }

    synchronized void setZero(long block) {
        if (store(block, ZERO, 0, 0, null) == DATA) {
            dataBlocks.decrementAndGet();
        }
    }

    /** Sets one block, creating, growing or converting its chunk as needed; returns the previous state. */
    private byte store(long block, byte state, int crc, long seq, byte[] tag) {
        int i = ChunkDirectory.offsetInChunk(block);
        Object c = chunks.get(block);
        if (c == null) {
            chunks.put(block, sparse.single(i, state, crc, seq, tag));
            return ABSENT;
        }
        if (c instanceof DenseBlocks d) {
            return d.store(i, state, crc, seq, tag);
        }
        long[] a = (long[]) c;
        int e = sparse.find(a, i);
        if (e >= 0) {
            byte before = sparse.stateAt(a, e);
            sparse.write(a, e, i, state, crc, seq, tag);
            return before;
        }
        int at = -e - 1;
        if (sparse.isFree(a, at)) {
            sparse.write(a, at, i, state, crc, seq, tag);
            return ABSENT;
        }
        int used = sparse.used(a);
        if (!sparse.isFull(a, used)) {
            chunks.put(block, sparse.inserted(a, used, at, i, state, crc, seq, tag));
            return ABSENT;
        }
        // Full: tombstones are dropped here, the only time counting the live entries is worth it.
        int live = sparse.live(a);
        if (live == used && used < sparse.maxEntries) {
            chunks.put(block, sparse.inserted(a, used, at, i, state, crc, seq, tag));
        } else if (live < sparse.maxEntries) {
            chunks.put(block, sparse.compacted(a, live + 1, i, state, crc, seq, tag));
        } else {
            DenseBlocks d = sparse.toDense(a);
            d.store(i, state, crc, seq, tag);
            chunks.put(block, d);
        }
        return ABSENT;
    }

    synchronized void clear(long block) {
        Object c = chunks.get(block);
        if (c == null) {
            return;
        }
        int i = ChunkDirectory.offsetInChunk(block);
        byte before;
        boolean empty;
        if (c instanceof DenseBlocks d) {
            before = d.clear(i);
            empty = d.present == 0;
        } else {
            long[] a = (long[]) c;
            int e = sparse.find(a, i);
            before = e < 0 ? ABSENT : sparse.stateAt(a, e);
            if (before == ABSENT) {
                return;
            }
            sparse.clearAt(a, e);
            empty = sparse.live(a) == 0;
        }
        if (before == ABSENT) {
            return;
        }
        if (before == DATA) {
            dataBlocks.decrementAndGet();
        }
        if (empty) {
            chunks.remove(block);
        }
    }

    long dataBlocks() {
        return dataBlocks.get();
    }

    /** Visits every non-ABSENT block in [fromBlock, toBlock) in ascending order. */
    void forEachPresent(long fromBlock, long toBlock, BlockVisitor visitor) throws IOException {
        chunks.forEach(fromBlock, toBlock, (first, c) -> {
            if (c instanceof DenseBlocks d) {
                d.forEachPresent(first, fromBlock, toBlock, visitor);
            } else {
                sparse.forEachPresent((long[]) c, first, fromBlock, toBlock, visitor);
            }
        });
    }

    /** Whether any block in [fromBlock, toBlock) is not ABSENT. */
    boolean anyPresent(long fromBlock, long toBlock) throws IOException {
        boolean[] found = {false};
        chunks.forEach(fromBlock, toBlock, (first, c) -> {
            if (!found[0]) {
                found[0] = c instanceof DenseBlocks d ? d.anyPresent(first, fromBlock, toBlock)
                        : sparse.anyPresent((long[]) c, first, fromBlock, toBlock);
            }
        });
        return found[0];
    }

    void forEachPresent(BlockVisitor visitor) throws IOException {
        forEachPresent(0, Long.MAX_VALUE >>> 1, visitor);
    }

    /** Adds the index of every chunk that holds a block. */
    void addChunkIndexes(RoaringBitmap into) throws IOException {
        chunks.forEach((first, c) -> into.add((int) (first >>> ChunkDirectory.CHUNK_SHIFT)));
    }

    /** Heap held by this delta: the directory and every chunk's arrays (racy, for accounting only). */
    long estimatedHeapBytes() {
        long denseBytes = DenseBlocks.heapBytes(withTags);
        return OWN_BYTES + chunks.estimatedHeapBytes(c -> c instanceof long[] a ? SparseBlocks.heapBytes(a) : denseBytes);
    }
}
