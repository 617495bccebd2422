package io.galleonfs.node.backup;

import io.galleonfs.backup.RestoreSink;
import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.node.blockio.VolumeIo;
import io.galleonfs.node.volume.qos.BackgroundQos;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * A volume as a restore sink, written to its primary on this node (which orders the writes and ships them to the
 * replicas) but not through the client seam: a restore is background work, admitted by the node's background QoS class
 * before each write or trim, never charged to the volume's client limit nor counted as its client I/O. A new volume
 * starts as zeros, so zero ranges are skipped; in place they are trimmed.
 *
 * <p><b>Flush ahead.</b> The writes are acknowledged ones (on the {@code journal} format in the page cache; on the
 * {@code log} format the 1 MiB pieces go to the device with O_DIRECT, but sit in the device's volatile write cache until
 * a flush), and the restore's one {@link #flush} at the end used to write back everything at once: on the bench's
 * 512 MiB restore about a sixth of the job, with the decoding done and the disk the only thing working. So every
 * {@link #FLUSH_AHEAD_BYTES} written, a flush of the volume starts on a thread of its own (at most one at a time; the
 * writes go on meanwhile), and the write-back overlaps the decoding of the next chunks; the final flush then covers only
 * the tail. A failed flush ahead fails the next write or the final flush. {@link #close} waits for a flush still
 * running, so a failed restore deletes its volume only after.
 */
final class VolumeSink implements RestoreSink, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(VolumeSink.class);

    /** Bytes written between two flushes ahead. */
    static final long FLUSH_AHEAD_BYTES = 64L << 20;

    private final VolumeIo io;
    private final boolean startsEmpty;
    private final BackgroundQos background;
    private final long flushAheadBytes;
    private final AtomicLong sinceFlush = new AtomicLong();
    private CompletableFuture<Void> flushing; // guarded by this
    private IOException flushFailure; // guarded by this

    /** @param background the node's background class; null when QoS is not enforced on this node */
    VolumeSink(VolumeIo io, boolean startsEmpty, BackgroundQos background) {
        this(io, startsEmpty, background, FLUSH_AHEAD_BYTES);
    }

    /** @param flushAheadBytes bytes written between two background flushes (0: none, only the final one) */
    VolumeSink(VolumeIo io, boolean startsEmpty, BackgroundQos background, long flushAheadBytes) {
        this.io = io;
        this.startsEmpty = startsEmpty;
        this.background = background;
        this.flushAheadBytes = flushAheadBytes;
    }

    private void admit(long bytes) {
        if (background != null) {
            background.admit(BackgroundQos.Work.RESTORE, 1, bytes);
        }
    }

    @Override
    public long sizeBytes() {
        return io.sizeBytes();
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        int length = src.remaining();
        admit(length);
        io.write(offset, src, WriteConcern.ACKNOWLEDGED);
        if (flushAheadBytes > 0 && sinceFlush.addAndGet(length) >= flushAheadBytes) {
            flushAhead();
        }
    }

    /** Starts a background flush unless one is running; reports an earlier one's failure. */
    private synchronized void flushAhead() throws IOException {
        if (flushFailure != null) {
            throw flushFailure;
        }
        if (flushing != null && !flushing.isDone()) {
            return; // the running one covers what it covers; the next write past the mark starts another
        }
        sinceFlush.set(0);
        CompletableFuture<Void> f = new CompletableFuture<>();
        flushing = f;
        Thread.ofPlatform().daemon().name("galleon-backup-restore-flush").start(() -> {
            try {
                io.flush();
                f.complete(null);
            } catch (IOException | RuntimeException e) {
                synchronized (this) {
                    flushFailure = e instanceof IOException ioe ? ioe : new IOException(e.getMessage(), e);
                }
                f.complete(null);
            }
        });
    }

    @Override
    public boolean startsZeroed() {
        return startsEmpty;
    }

    @Override
    public void writeZeros(long offset, long length) throws IOException {
        if (!startsEmpty && length > 0) {
            // A trim moves no data: one request, no bytes.
            admit(0);
            io.trim(offset, length);
        }
    }

    @Override
    public void flush() throws IOException {
        awaitFlushAhead();
        synchronized (this) {
            if (flushFailure != null) {
                throw flushFailure;
            }
        }
        io.flush();
    }

    /** Waits for a background flush still running (a failed restore deletes the volume after this). */
    @Override
    public void close() {
        try {
            awaitFlushAhead();
        } catch (IOException e) {
            LOG.debugf("restore: a background flush was interrupted: %s", e.getMessage());
        }
    }

    private void awaitFlushAhead() throws IOException {
        CompletableFuture<Void> f;
        synchronized (this) {
            f = flushing;
        }
        if (f == null) {
            return;
        }
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a flush of the restored volume", e);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause()); // not reached: the task completes normally
        }
    }
}
