package io.galleonfs.node.replication;

import org.roaringbitmap.RoaringBitmap;

/**
 * The block ranges of the last {@link #CAPACITY} ordered operations of one volume, by sequence number. A new primary
 * uses it to bring a replica that applied fewer operations up to date without a full rebuild.
 */
final class RecentOps {
    static final int CAPACITY = 1 << 16;

    private final long[] seqs = new long[CAPACITY];
    private final long[] firstBlocks = new long[CAPACITY];
    private final int[] counts = new int[CAPACITY];

    /** {@code blockCount} < 0 marks an operation that cannot be expressed as blocks (restore, expand, snapshot). */
    synchronized void record(long seq, long firstBlock, int blockCount) {
        int i = (int) (seq % CAPACITY);
        seqs[i] = seq;
        firstBlocks[i] = firstBlock;
        counts[i] = blockCount;
    }

    /** Blocks touched by operations {@code (afterSeq, uptoSeq]}, or null if some are no longer (or never were) known. */
    synchronized RoaringBitmap blocksBetween(long afterSeq, long uptoSeq) {
        if (uptoSeq - afterSeq > CAPACITY) {
            return null;
        }
        RoaringBitmap blocks = new RoaringBitmap();
        for (long s = afterSeq + 1; s <= uptoSeq; s++) {
            int i = (int) (s % CAPACITY);
            if (seqs[i] != s || counts[i] < 0) {
                return null;
            }
            blocks.add(firstBlocks[i], firstBlocks[i] + counts[i]);
        }
        return blocks;
    }
}
