package io.galleonfs.engine;

import java.io.IOException;

/**
 * Live view index: block -> slot (+1) of the newest layer of the live chain that holds the block,
 * 0 when no layer does. Makes a live read O(1) however many snapshots the volume has.
 * Entries are written under the block's stripe lock; rebuilt wholesale under the volume's exclusive lock.
 */
final class ResolvedMap {
    @FunctionalInterface
    interface EntryVisitor {
        void visit(long block, int slotPlusOne) throws IOException;
    }

    private volatile ChunkDirectory<int[]> chunks = newDirectory();

    private static ChunkDirectory<int[]> newDirectory() {
        return new ChunkDirectory<>(() -> new int[ChunkDirectory.CHUNK_SIZE]);
    }

    int get(long block) {
        int[] c = chunks.get(block);
        return c == null ? 0 : c[ChunkDirectory.offsetInChunk(block)];
    }

    void set(long block, int slotPlusOne) {
        if (slotPlusOne == 0) {
            int[] c = chunks.get(block);
            if (c != null) {
                c[ChunkDirectory.offsetInChunk(block)] = 0;
            }
            return;
        }
        chunks.getOrCreate(block)[ChunkDirectory.offsetInChunk(block)] = slotPlusOne;
    }

    void reset() {
        chunks = newDirectory();
    }

    void forEach(EntryVisitor visitor) throws IOException {
        chunks.forEach((first, chunk) -> {
            for (int i = 0; i < chunk.length; i++) {
                if (chunk[i] != 0) {
                    visitor.visit(first + i, chunk[i]);
                }
            }
        });
    }

    /** Visits entries whose blocks fall in [fromBlock, toBlock). */
    void forEach(long fromBlock, long toBlock, EntryVisitor visitor) throws IOException {
        chunks.forEach(fromBlock, toBlock, (first, chunk) -> {
            for (int i = 0; i < chunk.length; i++) {
                long block = first + i;
                if (chunk[i] != 0 && block >= fromBlock && block < toBlock) {
                    visitor.visit(block, chunk[i]);
                }
            }
        });
    }
}
