package io.galleonfs.engine;

import java.io.IOException;

/**
 * Flat metadata of a {@link LayerDelta} chunk that holds many blocks: one slot per block of the chunk, so
 * lookups index directly and a block's slots are only ever touched by that block's writer and readers.
 */
final class DenseBlocks {
    private static final int SIZE = ChunkDirectory.CHUNK_SIZE;

    final byte[] state = new byte[SIZE];
    final int[] crc = new int[SIZE];
    final long[] seq = new long[SIZE];
    final byte[] tags;
    int present;

    DenseBlocks(boolean withTags) {
        tags = withTags ? new byte[SIZE * LayerDelta.TAG_BYTES] : null;
    }

    static long heapBytes(boolean withTags) {
        long bytes = HeapBytes.object(4 * HeapBytes.REFERENCE + Integer.BYTES)
                + HeapBytes.array(SIZE, Byte.BYTES) + HeapBytes.array(SIZE, Integer.BYTES)
                + HeapBytes.array(SIZE, Long.BYTES);
        return withTags ? bytes + HeapBytes.array((long) SIZE * LayerDelta.TAG_BYTES, Byte.BYTES) : bytes;
    }

    /** Sets the block at {@code i}; returns its previous state. Values are written before the state. */
    byte store(int i, byte newState, int newCrc, long newSeq, byte[] tag) {
        byte before = state[i];
        if (newState == LayerDelta.DATA) {
            crc[i] = newCrc;
            seq[i] = newSeq;
            if (tags != null) {
                System.arraycopy(tag, 0, tags, i * LayerDelta.TAG_BYTES, LayerDelta.TAG_BYTES);
            }
        }
        state[i] = newState;
        if (before == LayerDelta.ABSENT) {
            present++;
        }
        return before;
    }

    /** Makes the block at {@code i} ABSENT; returns its previous state. */
    byte clear(int i) {
        byte before = state[i];
        if (before != LayerDelta.ABSENT) {
            state[i] = LayerDelta.ABSENT;
            present--;
        }
        return before;
    }

    BlockVersion version(int i) {
        if (state[i] != LayerDelta.DATA) {
            return null;
        }
        byte[] tag = null;
        if (tags != null) {
            tag = new byte[LayerDelta.TAG_BYTES];
            System.arraycopy(tags, i * LayerDelta.TAG_BYTES, tag, 0, LayerDelta.TAG_BYTES);
        }
        return new BlockVersion(crc[i], seq[i], tag);
    }

    void forEachPresent(long first, long fromBlock, long toBlock, LayerDelta.BlockVisitor visitor) throws IOException {
        int from = (int) Math.max(0, fromBlock - first);
        int to = (int) Math.min(SIZE, toBlock - first);
        for (int i = from; i < to; i++) {
            byte s = state[i];
            if (s != LayerDelta.ABSENT) {
                visitor.visit(first + i, s);
            }
        }
    }

    boolean anyPresent(long first, long fromBlock, long toBlock) {
        int from = (int) Math.max(0, fromBlock - first);
        int to = (int) Math.min(SIZE, toBlock - first);
        for (int i = from; i < to; i++) {
            if (state[i] != LayerDelta.ABSENT) {
                return true;
            }
        }
        return false;
    }
}
