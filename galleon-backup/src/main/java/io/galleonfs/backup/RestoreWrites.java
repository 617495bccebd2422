package io.galleonfs.backup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Joins a restore's consecutive extents into sink writes of up to {@link #MAX_WRITE} bytes. An incremental's extent
 * map alternates between pieces of its parent's 1 MiB chunks and the changed blocks' small chunks (~13 extents per
 * MiB for 5 % changed 4 KiB blocks); written one by one, each piece was a request of its own to the volume (and one
 * admission by the node's background QoS class). Joined, the volume sees about one write per MiB, as for a full backup.
 * A write never crosses a 1 MiB-aligned boundary of the volume, like the chunks themselves.
 *
 * <p>With a writer pool, up to {@code maxPending} writes run at once on it while the calling thread joins the next
 * (a volume write waits for its journal and apply steps: one at a time, the restore waited for each in turn); the
 * writes never overlap, and {@link #drain} waits for all of them. A failed write is reported by the next call.
 *
 * <p>Join buffers are re-used once their write returned (a sink keeps no reference to a buffer after {@code write}
 * returns: {@link RestoreSink}); at most {@code maxPending + 1} exist. An extent that is a whole write by itself is
 * passed through without a copy.
 */
final class RestoreWrites {
    static final int MAX_WRITE = BackupRun.CHUNK_MAX;

    private final RestoreSink sink;
    private final ExecutorService writers;
    private final int maxPending;
    private final ArrayDeque<Future<?>> pending = new ArrayDeque<>();
    private final ConcurrentLinkedQueue<byte[]> spare = new ConcurrentLinkedQueue<>();
    private byte[] buf;
    private long start;
    private int length;
    private long writes;

    /** Writes on the calling thread. */
    RestoreWrites(RestoreSink sink) {
        this(sink, null, 0);
    }

    /** Writes on {@code writers}, at most {@code maxPending} at once. */
    RestoreWrites(RestoreSink sink, ExecutorService writers, int maxPending) {
        this.sink = sink;
        this.writers = writers;
        this.maxPending = maxPending;
    }

    /** Adds {@code src[off, off+len)} for volume offset {@code volumeOffset}, at or after everything added before. */
    void add(long volumeOffset, byte[] src, int off, int len) throws IOException {
        add(volumeOffset, src, off, len, null);
    }

    /**
     * Like {@link #add(long, byte[], int, int)}; {@code done} (if not null) runs once {@code src} is no longer read:
     * at once when the bytes were copied into a join buffer, after the sink's write when passed through (on the
     * writer thread). The restore then re-uses the chunk's buffer. It does not run when the write fails.
     */
    void add(long volumeOffset, byte[] src, int off, int len, Runnable done) throws IOException {
        if (length > 0 && (volumeOffset != start + length || !sameWindow(start, volumeOffset + len))) {
            flush();
        }
        boolean endsWindow = (volumeOffset + len) % MAX_WRITE == 0;
        if (length == 0 && (endsWindow || !sameWindow(volumeOffset, volumeOffset + len))) {
            // nothing to join it with: a whole 1 MiB chunk (the common case of a full backup) or a window's last piece
            write(volumeOffset, ByteBuffer.wrap(src, off, len), null, done);
            return;
        }
        if (buf == null) {
            buf = spare.poll();
            if (buf == null) {
                buf = new byte[MAX_WRITE];
            }
        }
        if (length == 0) {
            start = volumeOffset;
        }
        System.arraycopy(src, off, buf, length, len);
        length += len;
        if (done != null) {
            done.run();
        }
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
        write(start, ByteBuffer.wrap(b, 0, n), b, null);
    }

    /** Writes issued to the sink so far. */
    long writes() {
        return writes;
    }

    /**
     * Writes {@code src}; {@code joinBuffer}, when not null, is this class's and returns to the pool afterwards;
     * {@code done}, when not null, runs after a successful write.
     */
    private void write(long offset, ByteBuffer src, byte[] joinBuffer, Runnable done) throws IOException {
        writes++;
        if (writers == null) {
            writeNow(offset, src, joinBuffer, done);
            return;
        }
        while (pending.size() >= maxPending) {
            await(pending.poll());
        }
        pending.add(writers.submit(() -> {
            writeNow(offset, src, joinBuffer, done);
            return null;
        }));
    }

    private void writeNow(long offset, ByteBuffer src, byte[] joinBuffer, Runnable done) throws IOException {
        try {
            sink.write(offset, src);
        } finally {
            release(joinBuffer);
        }
        if (done != null) {
            done.run();
        }
    }

    private void release(byte[] joinBuffer) {
        if (joinBuffer != null) {
            spare.offer(joinBuffer);
        }
    }

    /** Waits for every write issued so far; throws the first failure. */
    void drain() throws IOException {
        while (!pending.isEmpty()) {
            await(pending.poll());
        }
    }

    /** After a failure elsewhere: waits for the writes still running (the caller may delete the volume next). */
    void drainQuietly() {
        boolean interrupted = false;
        while (!pending.isEmpty()) {
            try {
                pending.peek().get();
                pending.poll();
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException | java.util.concurrent.CancellationException e) {
                pending.poll(); // the failure that ended the restore is being reported already
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(Future<?> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackupCancelledException("interrupted while writing the restore target");
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case RuntimeException re -> throw re;
                case Error err -> throw err;
                default -> throw new BackupException("restore write failed: " + e.getCause(), e.getCause());
            }
        }
    }

    /** True if {@code [from, to)} lies within one 1 MiB-aligned window (to is exclusive). */
    private static boolean sameWindow(long from, long to) {
        return from / MAX_WRITE == (to - 1) / MAX_WRITE;
    }
}
