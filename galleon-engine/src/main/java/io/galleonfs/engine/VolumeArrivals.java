package io.galleonfs.engine;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Lets callers wait for a volume to be created without polling: an engine calls {@link #arrived} after a new volume
 * became visible to {@code find}. A node starting to serve a volume created through another node waits for its
 * watcher to make the storage; under a stream of creates hundreds of such waits were pending at once, each polling
 * {@code find} every 50 ms, and with the virtual threads' wake-ups that was a tenth of the nodes' CPU.
 */
public final class VolumeArrivals {
    /**
     * The signal the callers waiting for one volume wait on: {@link #arrived} opens the current latch and puts a fresh
     * one in its place (a volume can go and come again). {@code waiters} is changed only inside {@link #gates}'
     * {@code compute}, which removes the gate with its last waiter.
     */
    private static final class Gate {
        final AtomicReference<CountDownLatch> signal = new AtomicReference<>(new CountDownLatch(1));
        volatile int waiters;
    }

    /**
     * Lock-free for {@link #arrived}, atomic per id for registration: with one monitor over all gates (and one per gate
     * around the look), hundreds of virtual threads starting primaries under a stream of creates spent a third of their
     * samples spinning to enter it.
     */
    private final ConcurrentHashMap<UUID, Gate> gates = new ConcurrentHashMap<>();

    /** Wakes the callers waiting for {@code id}; the volume must already be visible to {@code find}. */
    public void arrived(UUID id) {
        Gate gate = gates.get(id);
        if (gate != null) {
            gate.signal.getAndSet(new CountDownLatch(1)).countDown();
        }
    }

    /**
     * {@code find.apply(id)} once it is present, or what it returns after {@code maxNanos}. The gate is registered
     * before the first look, and each look reads the gate's latch before it looks: an arrival after that read opens the
     * latch waited on, and one before it made the volume visible to the look, so a volume created at any moment of
     * the wait is not missed.
     */
    public <V> Optional<V> await(UUID id, long maxNanos, Function<UUID, Optional<V>> find) throws InterruptedException {
        long deadline = System.nanoTime() + maxNanos;
        Gate gate = gates.compute(id, (k, g) -> {
            Gate joined = g != null ? g : new Gate();
            joined.waiters++;
            return joined;
        });
        try {
            while (true) {
                CountDownLatch signal = gate.signal.get();
                Optional<V> found = find.apply(id);
                long left = deadline - System.nanoTime();
                if (found.isPresent() || left <= 0) {
                    return found;
                }
                signal.await(left, TimeUnit.NANOSECONDS);
            }
        } finally {
            gates.computeIfPresent(id, (k, g) -> --g.waiters == 0 ? null : g);
        }
    }

    /** Callers waiting now (for tests and diagnostics). */
    public int waiting() {
        return gates.values().stream().mapToInt(g -> g.waiters).sum();
    }
}
