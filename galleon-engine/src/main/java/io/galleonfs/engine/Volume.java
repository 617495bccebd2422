package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;

/**
 * A thin block volume. Offsets and lengths are in bytes and need not be block aligned.
 * All methods are thread safe; I/O on different blocks runs in parallel.
 */
public interface Volume {
    UUID id();

    long sizeBytes();

    int blockSize();

    boolean encrypted();

    /**
     * Writes {@code src.remaining()} bytes at {@code offset} and consumes {@code src}.
     * Returns when {@code concern} is met.
     *
     * @throws OutOfRangeException if the range reaches beyond {@link #sizeBytes()}
     */
    void write(long offset, ByteBuffer src, WriteConcern concern) throws IOException;

    /** One write of {@link #writeAll}: {@code data.remaining()} bytes at {@code offset}. */
    record Write(long offset, ByteBuffer data) {
    }

    /**
     * Applies {@code writes} as {@link #write} would one after the other (a later write wins where they overlap), reading
     * each buffer without consuming it; returns when {@code concern} is met for all of them. An engine may write them
     * together (one append for several); on failure any subset of them may have been applied. This default writes them
     * one by one, then flushes once for a DURABLE concern.
     *
     * @throws OutOfRangeException if a write reaches beyond {@link #sizeBytes()} (none of them is applied)
     */
    default void writeAll(List<Write> writes, WriteConcern concern) throws IOException {
        for (Write w : writes) {
            if (w.offset() < 0 || w.data().remaining() > sizeBytes() - w.offset()) {
                throw new OutOfRangeException("range [" + w.offset() + ", " + (w.offset() + w.data().remaining())
                        + ") is outside volume " + id() + " of " + sizeBytes() + " bytes");
            }
        }
        WriteConcern each = concern == WriteConcern.DURABLE ? WriteConcern.ACKNOWLEDGED : concern;
        for (Write w : writes) {
            write(w.offset(), w.data().duplicate(), each);
        }
        if (concern == WriteConcern.DURABLE) {
            flush();
        }
    }

    /**
     * Fills {@code dst.remaining()} bytes from {@code offset}; blocks never written read as zeros.
     *
     * @throws ChecksumMismatchException if a block fails its checksum; no byte of it is returned
     * @throws OutOfRangeException       if the range reaches beyond {@link #sizeBytes()}
     */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Makes every write of this volume acknowledged before the call durable. */
    void flush() throws IOException;

    /**
     * Discards a range: whole blocks inside it read as zeros and their space is freed; the partial
     * blocks at its edges are zero-filled. Durable when it returns.
     */
    void trim(long offset, long length) throws IOException;

    /** Grows the volume online; {@code newSizeBytes} must be a multiple of the block size. */
    void expand(long newSizeBytes) throws IOException;

    /** Freezes the current content under {@code name}; O(1) in the amount of data. */
    SnapshotInfo createSnapshot(String name) throws IOException;

    /** Visible snapshots, oldest first. */
    List<SnapshotInfo> snapshots();

    /**
     * Removes a snapshot. Its layer is merged into its only child (or dropped when nothing depends
     * on it) before this returns; a layer that still has two or more children stays hidden until
     * one of them goes away.
     */
    void deleteSnapshot(String name) throws IOException;

    /** Makes the live content equal to the snapshot's; all snapshots stay readable. */
    void restore(String snapshotName) throws IOException;

    void readSnapshot(String name, long offset, ByteBuffer dst) throws IOException;

    /**
     * Like {@link #read}, but every block comes from its stored bytes with its checksum checked, never from the cache of
     * decrypted blocks: for scrub and repair, which exist to find bytes that rotted on disk after they were cached.
     */
    default void readVerified(long offset, ByteBuffer dst) throws IOException {
        read(offset, dst);
    }

    /** Reads of encrypted blocks served from the cache of decrypted blocks, and those that had to decrypt. */
    default ReadCacheStats readCacheStats() {
        return ReadCacheStats.NONE;
    }

    /** Reads every stored block of every layer and checks its checksum. */
    VerifyReport verify() throws IOException;

    VolumeUsage usage();

    /**
     * Blocks that may hold data in the live view: a superset (a block written with zeros stays in it), so that copying
     * a volume (replica rebuild) moves allocated blocks only.
     */
    org.roaringbitmap.RoaringBitmap allocatedBlocks() throws IOException;

    /**
     * Blocks whose content may differ between snapshot {@code fromSnapshotOrNull} and snapshot {@code toSnapshot}, from the
     * layer maps alone (no data is read): the blocks held (data or trim) by the layers between the two snapshots and their
     * nearest common ancestor. A superset of the truly changed blocks, also after snapshots between them were deleted
     * (their blocks are merged into a layer still on the path). With {@code null} as the base: every block that may hold
     * data in {@code toSnapshot}.
     *
     * @throws NoSuchSnapshotException if either snapshot does not exist
     */
    org.roaringbitmap.RoaringBitmap changedBlocks(String fromSnapshotOrNull, String toSnapshot) throws IOException;
}
