package io.galleonfs.backup;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The plaintext buffers of one restore's large chunks, re-used from chunk to chunk. A full backup's chunks are 1 MiB,
 * and a fresh 1 MiB array per chunk is a humongous object for G1 (placed in old regions of its own, reclaimed only by a
 * collection): that was half of what a restore allocated, and why the node's heap grew by ~400 MiB per restore.
 * Buffers are handed out of a free list and come back when the last extent using the chunk has been written; the list
 * only grows while more buffers are in use at once than ever before, which the restore's in-flight budget bounds.
 * Chunks below {@link #POOLED_MIN} get arrays of their own size (ordinary young objects, cheap to collect; an
 * incremental's 4 KiB chunks would waste a 1 MiB buffer each). Thread-safe: taken on the workers, given back on the
 * restore's writer threads.
 */
final class PlainBuffers {
    /** Smallest chunk decoded into a pooled buffer: from here on an array is humongous with 1 MiB G1 regions. */
    static final int POOLED_MIN = 512 << 10;
    /** Size of every pooled buffer: the largest chunk. */
    static final int SIZE = BackupRun.CHUNK_MAX;

    private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();
    private final AtomicInteger allocated = new AtomicInteger();

    /** A buffer of at least {@code length} bytes for a chunk's plaintext. */
    byte[] take(int length) {
        if (length < POOLED_MIN || length > SIZE) {
            return new byte[length];
        }
        byte[] b = free.poll();
        if (b == null) {
            allocated.incrementAndGet();
            b = new byte[SIZE];
        }
        return b;
    }

    /** Gives back a buffer from {@link #take} that nothing reads any more; arrays not from the pool are dropped. */
    void give(byte[] b) {
        if (b != null && b.length == SIZE) {
            free.offer(b);
        }
    }

    /** Pooled buffers allocated so far (for tests and figures). */
    int allocated() {
        return allocated.get();
    }
}
