package io.galleonfs.engine;

/**
 * Heap footprint estimates for the block maps, assuming 64-bit HotSpot with compressed class pointers and
 * compressed references (the default below 32 GiB of heap); compact object headers only make them smaller.
 */
final class HeapBytes {
    static final int OBJECT_HEADER = 12;
    static final int ARRAY_HEADER = 16;
    static final int REFERENCE = 4;

    private HeapBytes() {
    }

    static long array(long length, int elementBytes) {
        return align(ARRAY_HEADER + length * elementBytes);
    }

    static long object(int fieldBytes) {
        return align(OBJECT_HEADER + fieldBytes);
    }

    /**
     * Most entries a sparse chunk holds before it turns dense. Sparse capacities grow by doubling, and a
     * capacity is only worth having while its array is smaller than the dense form of the chunk.
     */
    static int sparseLimit(int entryBytes, long denseBytes) {
        int capacity = 1;
        while (capacity < ChunkDirectory.CHUNK_SIZE && array(2L * capacity * entryBytes, Byte.BYTES) < denseBytes) {
            capacity *= 2;
        }
        return capacity;
    }

    /** Power-of-two capacity for {@code entries} entries. */
    static int capacityFor(int entries) {
        return entries <= 1 ? 1 : Integer.highestOneBit(entries - 1) << 1;
    }

    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }
}
