package io.galleonfs.node.replication;

import org.roaringbitmap.RoaringBitmap;

/**
 * The block ranges of the last {@link #CAPACITY} ordered operations of one volume, by sequence number. A new primary
 * uses it to bring a replica that applied fewer operations up to date without a full rebuild.
 * <p>
 * The ring starts empty, then small, and doubles up to {@link #CAPACITY} only as a volume's writes fill it: a full
 * ring is 1.25 MiB, and allocating it for every volume up front made a node with thousands of mostly idle volumes need
 * gigabytes of heap. It forgets an operation only once it is more than {@link #CAPACITY} operations old, exactly as a
 * full ring would.
 */
final class RecentOps {
    static final int CAPACITY = 1 << 16;
    static final int INITIAL_CAPACITY = 64;

    /** Empty until the first operation: most volume states (every primary a node starts) never record one. */
    private long[] seqs = new long[0];
    private long[] firstBlocks = new long[0];
    private int[] counts = new int[0];

    /** {@code blockCount} < 0 marks an operation that cannot be expressed as blocks (restore, expand, snapshot). */
    synchronized void record(long seq, long firstBlock, int blockCount) {
        if (seqs.length == 0) {
            seqs = new long[INITIAL_CAPACITY];
            firstBlocks = new long[INITIAL_CAPACITY];
            counts = new int[INITIAL_CAPACITY];
        }
        int i = (int) (seq % seqs.length);
        if (seqs.length < CAPACITY && seqs[i] != 0 && seqs[i] != seq && seq - seqs[i] < CAPACITY) {
            grow();
            i = (int) (seq % seqs.length);
        }
        seqs[i] = seq;
        firstBlocks[i] = firstBlock;
        counts[i] = blockCount;
    }

    /** Current ring size (for tests). */
    synchronized int capacity() {
        return seqs.length;
    }

    /** Doubles the ring; distinct residues modulo the old size stay distinct modulo the new one, so nothing collides. */
    private void grow() {
        int size = Math.min(CAPACITY, seqs.length * 2);
        long[] s = new long[size];
        long[] f = new long[size];
        int[] c = new int[size];
        for (int k = 0; k < seqs.length; k++) {
            if (seqs[k] != 0) {
                int j = (int) (seqs[k] % size);
                s[j] = seqs[k];
                f[j] = firstBlocks[k];
                c[j] = counts[k];
            }
        }
        seqs = s;
        firstBlocks = f;
        counts = c;
    }

    /** Blocks touched by operations {@code (afterSeq, uptoSeq]}, or null if some are no longer (or never were) known. */
    synchronized RoaringBitmap blocksBetween(long afterSeq, long uptoSeq) {
        if (uptoSeq - afterSeq > CAPACITY) {
            return null;
        }
        if (seqs.length == 0) {
            return uptoSeq <= afterSeq ? new RoaringBitmap() : null; // nothing recorded: any operation is unknown
        }
        RoaringBitmap blocks = new RoaringBitmap();
        for (long s = afterSeq + 1; s <= uptoSeq; s++) {
            int i = (int) (s % seqs.length);
            if (seqs[i] != s || counts[i] < 0) {
                return null;
            }
            blocks.add(firstBlocks[i], firstBlocks[i] + counts[i]);
        }
        return blocks;
    }
}
