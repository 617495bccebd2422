package io.galleonfs.node.volume;

import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
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
     * Writes {@code src.remaining()} bytes at {@code offset}. {@link WriteConcern#ACKNOWLEDGED} returns once readers see
     * the data; {@link WriteConcern#DURABLE} once it is durable as the volume's write concern demands (on the replicas too).
     */
    void write(long offset, ByteBuffer src, WriteConcern concern) throws IOException;

    /**
     * Writes with one of the seed's four concerns: {@code replicated} returns once the data is durable here and on at
     * least one replica, {@code distributed} once it is durable on every copy.
     */
    default void write(long offset, ByteBuffer src, WriteConcernPolicy.Requested level) throws IOException {
        write(offset, src, level == WriteConcernPolicy.Requested.ACKNOWLEDGED ? WriteConcern.ACKNOWLEDGED : WriteConcern.DURABLE);
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

    /** Reads from a snapshot of the volume. */
    void readSnapshot(String snapshot, long offset, ByteBuffer dst) throws IOException;
}
