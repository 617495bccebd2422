package io.galleonfs.engine;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * A few reusable scratch objects (direct buffers, errno capture segments, ciphers) shared by all threads. The engine's callers
 * are often virtual threads that live for one request (NBD, REST): a thread-local scratch was allocated again for
 * every request there, a direct buffer with its cleaner each time. Taking from a slot is one atomic swap and
 * allocates nothing; when every slot is empty (more concurrent users than slots) a new object is made, and one given
 * back to full slots is dropped.
 */
public final class SlotPool<T> {
    private final AtomicReferenceArray<T> slots;
    private final int mask;
    private final Supplier<T> make;

    /** @param slots a power of two */
    public SlotPool(int slots, Supplier<T> make) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two: " + slots);
        }
        this.slots = new AtomicReferenceArray<>(slots);
        this.mask = slots - 1;
        this.make = make;
    }

    /*
     * Both scans read a slot before they swap it: an atomic swap is a write that takes the slot's cache line from the
     * other cores even when the slot is empty, and with fewer objects than slots most slots a take passes are empty.
     * Swapping blindly made SlotPool.take 3.4 % of a node's CPU under 4 KiB writes at queue depth 32 (BENCHMARKS.md,
     * "The 4 KiB write path's CPU, and what bounds 1 MiB and durable writes").
     */
    public T take() {
        int start = start();
        for (int i = 0; i <= mask; i++) {
            int slot = (start + i) & mask;
            if (slots.getOpaque(slot) != null) {
                T t = slots.getAndSet(slot, null);
                if (t != null) {
                    return t;
                }
            }
        }
        return make.get();
    }

    public void give(T t) {
        int start = start();
        for (int i = 0; i <= mask; i++) {
            int slot = (start + i) & mask;
            if (slots.getOpaque(slot) == null && slots.compareAndSet(slot, null, t)) {
                return;
            }
        }
    }

    /** Threads start probing at different slots, so concurrent callers rarely meet on one. */
    private static int start() {
        long id = Thread.currentThread().threadId();
        return (int) (id ^ (id >>> 16)) * 0x9E3779B9;
    }
}
