package io.galleonfs.backup;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Joins a restore's consecutive extents into sink writes of up to {@link #MAX_WRITE} bytes. An incremental's extent
 * map alternates between pieces of its parent's 1 MiB chunks and the changed blocks' small chunks (~13 extents per
 * MiB for 5 % changed 4 KiB blocks); written one by one, each piece was a request of its own to the volume (and one
 * admission by the node's background QoS class). Joined, the volume sees about one write per MiB, as for a full backup.
 * A write never crosses a 1 MiB-aligned boundary of the volume, like the chunks themselves.
 *
 * <p>Each joined write gets a buffer of its own: the sink may still hold the previous one (an asynchronously
 * replicated volume ships it after the write returned). An extent that is a whole write by itself is passed through
 * without a copy.
 */
final class RestoreWrites {
    static final int MAX_WRITE = BackupRun.CHUNK_MAX;

    private final RestoreSink sink;
    private byte[] buf;
    private long start;
    private int length;
    private long writes;

    RestoreWrites(RestoreSink sink) {
        this.sink = sink;
    }

    /** Adds {@code src[off, off+len)} for volume offset {@code volumeOffset}, at or after everything added before. */
    void add(long volumeOffset, byte[] src, int off, int len) throws IOException {
        if (length > 0 && (volumeOffset != start + length || !sameWindow(start, volumeOffset + len))) {
            flush();
        }
        boolean endsWindow = (volumeOffset + len) % MAX_WRITE == 0;
        if (length == 0 && (endsWindow || !sameWindow(volumeOffset, volumeOffset + len))) {
            // nothing to join it with: a whole 1 MiB chunk (the common case of a full backup) or a window's last piece
            write(volumeOffset, ByteBuffer.wrap(src, off, len));
            return;
        }
        if (buf == null) {
            buf = new byte[MAX_WRITE];
        }
        if (length == 0) {
            start = volumeOffset;
        }
        System.arraycopy(src, off, buf, length, len);
        length += len;
        if ((start + length) % MAX_WRITE == 0) {
            flush();
        }
    }

    /** Writes what is joined so far. */
    void flush() throws IOException {
        if (length == 0) {
            return;
        }
        byte[] b = buf;
        int n = length;
        buf = null;
        length = 0;
        write(start, ByteBuffer.wrap(b, 0, n));
    }

    /** Writes issued to the sink so far. */
    long writes() {
        return writes;
    }

    private void write(long offset, ByteBuffer src) throws IOException {
        writes++;
        sink.write(offset, src);
    }

    /** True if {@code [from, to)} lies within one 1 MiB-aligned window (to is exclusive). */
    private static boolean sameWindow(long from, long to) {
        return from / MAX_WRITE == (to - 1) / MAX_WRITE;
    }
}
