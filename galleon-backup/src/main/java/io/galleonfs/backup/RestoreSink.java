package io.galleonfs.backup;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where a restore writes. Writes are block aligned, each at most 1 MiB and never overlapping; up to two run at once
 * (from different threads), issued in increasing offset order. Ranges that the backup holds as zero are passed to
 * {@link #writeZeros} once the writes before them completed, so an in-place restore overwrites old data; a sink that
 * {@link #startsZeroed starts zeroed} gets no zero ranges at all. Every write has completed when {@link #flush} is
 * called.
 */
public interface RestoreSink {

    long sizeBytes();

    /**
     * Writes {@code src} (position to limit) at {@code offset}. The buffer is the sink's only until this returns: the
     * restore re-uses it for a later write, so a sink that finishes the write later must copy it first.
     */
    void write(long offset, ByteBuffer src) throws IOException;

    /**
     * Makes {@code [offset, offset+length)} read as zeros. The default writes zero buffers; a sink that starts empty
     * or can discard (trim, hole punch) should override it.
     */
    default void writeZeros(long offset, long length) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(zeros.capacity(), length - done);
            zeros.clear().limit(n);
            write(offset + done, zeros);
            done += n;
        }
    }

    /**
     * True when every byte of the sink reads as zero before the restore (a new volume): the restore then skips the
     * backup's zero ranges instead of passing them to {@link #writeZeros}, and does not wait for the writes before each
     * of them (an incremental of a mostly zero region is thousands of small writes between zero ranges, which that
     * wait made one at a time).
     */
    default boolean startsZeroed() {
        return false;
    }

    /** Makes everything written durable; called once at the end of a successful restore. */
    void flush() throws IOException;
}
