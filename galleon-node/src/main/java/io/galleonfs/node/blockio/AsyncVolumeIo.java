package io.galleonfs.node.blockio;

import java.util.concurrent.CompletableFuture;

/**
 * Reads, writes and flushes of a volume started without blocking the caller, for frontends that run on an event loop.
 * Only volumes whose calls merely wait for another node have this form (a node forwarding to the volume's primary):
 * there a blocking call would park a thread per request and cost two thread hand-offs per request for nothing.
 * <p>
 * Each method returns null when it cannot start without blocking now (the volume's primary moved here, or its address
 * is unknown): the caller then uses the blocking {@link VolumeIo} call on a thread that may block. A started call's
 * future completes on the data plane's event loop (or, after a retry, on the virtual thread that retried), so what
 * follows it must not block; it fails the way the blocking call would throw (retries during a failover included:
 * they continue off the event loop).
 */
public interface AsyncVolumeIo {
    /** {@code length} bytes from {@code offset}. */
    CompletableFuture<byte[]> read(long offset, int length);

    /** Writes {@code data} at {@code offset}, done once {@code concern} is met; the array is the callee's from now on. */
    CompletableFuture<Void> write(long offset, byte[] data, WriteConcern concern);

    /** As {@link VolumeIo#flush()}. */
    CompletableFuture<Void> flush();
}
