package io.galleonfs.node.blockio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.UUID;

/**
 * Block I/O on one volume from whichever node the client reached. Every frontend (REST, gRPC, NBD, FUSE, bench) goes
 * through this seam, never through the engine directly, so that writes are ordered by the volume's primary and shipped
 * to its replicas. Calls may block: never call them on an event loop.
 */
public interface VolumeIo {
    UUID id();

    String name();

    long sizeBytes();

    int blockSize();

    /** Fills {@code dst.remaining()} bytes from {@code offset}. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /**
     * Writes {@code src.remaining()} bytes at {@code offset} and returns once {@code concern} is met (see
     * {@link WriteConcern}: {@code acknowledged} once readers see the data, {@code durable} once it is durable as the
     * volume's own concern demands, {@code replicated} once at least one replica has it durably too,
     * {@code distributed} once every copy has).
     */
    void write(long offset, ByteBuffer src, WriteConcern concern) throws IOException;

    /**
     * A {@link #write} whose waiting for other nodes does not hold the calling thread: does on this thread (which may
     * block) what needs one, so the caller may reuse {@code src} on return, and returns a future that completes once
     * {@code concern} is met, or fails as {@link #write} would throw. It may complete on a data plane event loop (the one
     * that delivers the last replica's answer), so what depends on it must not block. The default is the blocking write.
     */
    default CompletableFuture<Void> startWrite(long offset, ByteBuffer src, WriteConcern concern) throws IOException {
        write(offset, src, concern);
        return CompletableFuture.completedFuture(null);
    }

    /** Makes every write acknowledged before the call durable as the volume's write concern demands. */
    void flush() throws IOException;

    /** Whole blocks inside the range read as zeros afterwards and their space is freed. */
    void trim(long offset, long length) throws IOException;

    /**
     * True when a write waits for other nodes (the volume has replicas, or this node forwards to the primary). Frontends
     * that can run requests one at a time or concurrently use it to choose: local engine calls return in microseconds and
     * gain nothing from concurrency but contention, while a network round trip per request would cap the request rate.
     */
    default boolean waitsForTheNetwork() {
        return false;
    }

    /**
     * The non-blocking form of this volume's reads, writes and flushes, or null when it has none (its calls run the
     * engine here, which is what a thread that may block is for). Constant for a given object.
     */
    default AsyncVolumeIo async() {
        return null;
    }

    /** Reads from a snapshot of the volume. */
    void readSnapshot(String snapshot, long offset, ByteBuffer dst) throws IOException;
}
