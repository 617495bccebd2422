package io.galleonfs.node.nbd;

import io.galleonfs.node.blockio.AsyncVolumeIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/** One exported block device as the NBD session sees it; the calls may block and never run on an event loop. */
interface NbdExport {
    String name();

    long size();

    int blockSize();

    boolean readOnly();

    void read(long offset, ByteBuffer dst) throws IOException;

    /** Visible to readers on return, durable only after {@link #flush()}. */
    void write(long offset, ByteBuffer src) throws IOException;

    void flush() throws IOException;

    /**
     * A {@link #write} whose acknowledgement may arrive on another thread (see {@code VolumeIo.startWrite}): runs on a
     * thread that may block, and what depends on the future must not block. The default is the blocking write.
     */
    default CompletableFuture<Void> startWrite(long offset, ByteBuffer src) throws IOException {
        write(offset, src);
        return CompletableFuture.completedFuture(null);
    }

    /** True when requests are better run concurrently, because each one waits for other nodes. */
    default boolean concurrentRequests() {
        return false;
    }

    /**
     * True when a write's acknowledgement waits for other nodes (a replicated volume on its primary): then
     * {@link #startWrite} frees the request's thread before the answers arrive. Asked per request: it follows the volume.
     */
    default boolean writesWaitForOtherNodes() {
        return false;
    }

    /** The non-blocking form of read, write and flush, or null (see {@link AsyncVolumeIo}). */
    default AsyncVolumeIo async() {
        return null;
    }

    /** The range reads as zeros afterwards. */
    void trim(long offset, long length) throws IOException;

    /** A session starts serving this export to {@code client} (listed as using the volume until {@link #release()}). */
    default void attach(String client) {
    }

    /** The session serving this export is over. */
    default void release() {
    }
}
