package io.galleonfs.engine;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.roaringbitmap.PeekableIntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * Live view index: block -> slot (+1) of the newest layer of the live chain that holds the block,
 * 0 when no layer does. Makes a live read O(1) however many snapshots the volume has.
 * Entries are written under the block's stripe lock (and this object's monitor, which keeps the sparse
 * chunks single-writer); rebuilt wholesale under the volume's exclusive lock, then published at once.
 * Each chunk is an {@code int[]}: sorted entries while it has few ({@link SparseSlots}), one slot per
 * block beyond. Dense chunks are kept when they empty (trim), as before; sparse ones are freed.
 */
final class ResolvedMap {
    private static final long OWN_BYTES = HeapBytes.object(HeapBytes.REFERENCE);

    @FunctionalInterface
    interface EntryVisitor {
        void visit(long block, int slotPlusOne) throws IOException;
    }

    private volatile ChunkDirectory<int[]> chunks = new ChunkDirectory<>();

    int get(long block) {
        int[] c = chunks.get(block);
        if (c == null) {
            return 0;
        }
        int i = ChunkDirectory.offsetInChunk(block);
        return SparseSlots.isDense(c) ? c[i] : SparseSlots.get(c, i);
    }

    synchronized void set(long block, int slotPlusOne) {
        ChunkDirectory<int[]> dir = chunks;
        int[] c = dir.get(block);
        int i = ChunkDirectory.offsetInChunk(block);
        if (c != null && SparseSlots.isDense(c)) {
            c[i] = slotPlusOne;
        } else if (slotPlusOne == 0) {
            clearSparse(dir, block, c, i);
        } else if (slotPlusOne > SparseSlots.MAX_SLOT) {
            int[] dense = c == null ? new int[ChunkDirectory.CHUNK_SIZE] : SparseSlots.toDense(c);
            dense[i] = slotPlusOne;
            dir.put(block, dense);
        } else if (c == null) {
            dir.put(block, SparseSlots.single(i, slotPlusOne));
        } else {
            setSparse(dir, block, c, i, slotPlusOne);
        }
    }

    private static void setSparse(ChunkDirectory<int[]> dir, long block, int[] c, int i, int slotPlusOne) {
        int index = SparseSlots.find(c, i);
        if (index >= 0 || SparseSlots.isFree(c, -index - 1)) {
            SparseSlots.write(c, index >= 0 ? index : -index - 1, i, slotPlusOne);
            return;
        }
        int at = -index - 1;
        int used = SparseSlots.used(c);
        if (used < c.length) {
            dir.put(block, SparseSlots.inserted(c, used, at, i, slotPlusOne));
            return;
        }
        // Full: tombstones are dropped here, the only time counting the live entries is worth it.
        int live = SparseSlots.live(c);
        if (live == used && used < SparseSlots.MAX_ENTRIES) {
            dir.put(block, SparseSlots.inserted(c, used, at, i, slotPlusOne));
        } else if (live < SparseSlots.MAX_ENTRIES) {
            dir.put(block, SparseSlots.compacted(c, live + 1, i, slotPlusOne));
        } else {
            int[] dense = SparseSlots.toDense(c);
            dense[i] = slotPlusOne;
            dir.put(block, dense);
        }
    }

    private static void clearSparse(ChunkDirectory<int[]> dir, long block, int[] c, int i) {
        int index = c == null ? -1 : SparseSlots.find(c, i);
        if (index < 0 || SparseSlots.slotAt(c, index) == 0) {
            return;
        }
        SparseSlots.write(c, index, i, 0);
        if (SparseSlots.live(c) == 0) {
            dir.remove(block);
        }
    }

    /**
     * Replaces the whole map with the view of {@code chain} (root first): a block maps to the entry of the
     * last layer holding it. Built chunk by chunk so each chunk array is written once, in offset order:
     * layer after layer, the blocks of one chunk would arrive out of order and copy it once per block.
     */
    synchronized void rebuild(List<LayerDelta> chain, int[] entries) throws IOException {
        RoaringBitmap touched = new RoaringBitmap();
        for (LayerDelta delta : chain) {
            delta.addChunkIndexes(touched);
        }
        ChunkDirectory<int[]> dir = new ChunkDirectory<>();
        int[] slots = new int[ChunkDirectory.CHUNK_SIZE];
        PeekableIntIterator it = touched.getIntIterator();
        while (it.hasNext()) {
            long first = Integer.toUnsignedLong(it.next()) << ChunkDirectory.CHUNK_SHIFT;
            Arrays.fill(slots, 0);
            for (int depth = 0; depth < chain.size(); depth++) {
                int entry = entries[depth];
                chain.get(depth).forEachPresent(first, first + ChunkDirectory.CHUNK_SIZE,
                        (block, state) -> slots[(int) (block - first)] = entry);
            }
            int[] chunk = SparseSlots.fromSlots(slots);
            if (chunk != null) {
                dir.put(first, chunk);
            }
        }
        chunks = dir;
    }

    void forEach(EntryVisitor visitor) throws IOException {
        forEach(0, Long.MAX_VALUE >>> 1, visitor);
    }

    /** Visits entries whose blocks fall in [fromBlock, toBlock), in block order. */
    void forEach(long fromBlock, long toBlock, EntryVisitor visitor) throws IOException {
        chunks.forEach(fromBlock, toBlock, (first, chunk) -> {
            if (!SparseSlots.isDense(chunk)) {
                SparseSlots.forEach(chunk, first, fromBlock, toBlock, visitor);
                return;
            }
            for (int i = 0; i < chunk.length; i++) {
                long block = first + i;
                if (chunk[i] != 0 && block >= fromBlock && block < toBlock) {
                    visitor.visit(block, chunk[i]);
                }
            }
        });
    }

    /** Heap held by the map: the directory and every chunk's array (racy, for accounting only). */
    long estimatedHeapBytes() {
        return OWN_BYTES + chunks.estimatedHeapBytes(SparseSlots::heapBytes);
    }
}
