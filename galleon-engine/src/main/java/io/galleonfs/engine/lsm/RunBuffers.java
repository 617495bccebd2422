package io.galleonfs.engine.lsm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Direct, 4 KiB-aligned buffers where a run of records is assembled before its O_DIRECT write
 * ({@link Segment#putRun}). Plain direct buffers (no memory session to acquire per access), pooled rather than per
 * thread: the node runs some writes on a new virtual thread each, and a run buffer is ~1 MiB. At most {@code keep} idle
 * buffers stay in the pool; more callers at once get a buffer of their own, which the garbage collector frees.
 */
final class RunBuffers {
    private final int bytes;
    private final int keep;
    private final ConcurrentLinkedQueue<ByteBuffer> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCount = new AtomicInteger();

    /** Buffers of {@code bytes} each (rounded up to whole 4 KiB blocks). */
    RunBuffers(long bytes, int keep) {
        this.bytes = Math.toIntExact((bytes + Segment.ALIGN - 1) & -Segment.ALIGN);
        this.keep = keep;
    }

    /** A cleared, little-endian buffer whose address is a multiple of 4 KiB. */
    ByteBuffer take() {
        ByteBuffer b = idle.poll();
        if (b != null) {
            idleCount.decrementAndGet();
            return b.clear();
        }
        return ByteBuffer.allocateDirect(bytes + Segment.ALIGN).alignedSlice(Segment.ALIGN).limit(bytes)
                .slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    void give(ByteBuffer b) {
        if (idleCount.incrementAndGet() <= keep) {
            idle.add(b);
        } else {
            idleCount.decrementAndGet();
        }
    }
}
