package io.galleonfs.backup;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.roaringbitmap.RoaringBitmap;

/**
 * A frozen view of a volume (normally a snapshot) to back up. The repository reads only the blocks in
 * {@link #blocksToRead()}; every other block is taken from the parent backup (incremental/differential) or is zero
 * (full). Reads may happen from several threads, at block-aligned offsets, in runs of at most 1 MiB.
 */
public interface BackupSource {

    long sizeBytes();

    /** Block size in bytes, a power of two between 512 and 1 MiB. */
    int blockSize();

    /**
     * Block numbers to read: for a full backup every allocated block; for an incremental or differential every block
     * written <em>or discarded</em> since the parent's snapshot (discarded blocks read as zeros and are recorded as
     * holes, so the parent's old data does not shine through).
     */
    RoaringBitmap blocksToRead();

    /** Fills {@code dst} (position to limit) with volume bytes starting at {@code offset}. */
    void read(long offset, ByteBuffer dst) throws IOException;
}
