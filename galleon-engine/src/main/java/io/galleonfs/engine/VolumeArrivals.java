package io.galleonfs.engine;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Lets callers wait for a volume to be created without polling: an engine calls {@link #arrived} after a new volume
 * became visible to {@code find}. A node starting to serve a volume created through another node waits for its
 * watcher to make the storage; under a stream of creates hundreds of such waits were pending at once, each polling
 * {@code find} every 50 ms, and with the virtual threads' wake-ups that was a tenth of the nodes' CPU.
 */
public final class VolumeArrivals {
    /** The monitor the callers waiting for one volume wait on; {@code waiters} is guarded by {@link #gates}. */
    private static final class Gate {
        int waiters;
    }

    private final Map<UUID, Gate> gates = new HashMap<>();

    /** Wakes the callers waiting for {@code id}; the volume must already be visible to {@code find}. */
    public void arrived(UUID id) {
        Gate gate;
        synchronized (gates) {
            gate = gates.get(id);
        }
        if (gate != null) {
            synchronized (gate) {
                gate.notifyAll();
            }
        }
    }

    /**
     * {@code find.apply(id)} once it is present, or what it returns after {@code maxNanos}. The gate is registered
     * before the first look and the look and the wait are under its monitor, which {@link #arrived} takes to notify,
     * so a volume created at any moment of the wait is not missed.
     */
    public <V> Optional<V> await(UUID id, long maxNanos, Function<UUID, Optional<V>> find) throws InterruptedException {
        long deadline = System.nanoTime() + maxNanos;
        Gate gate;
        synchronized (gates) {
            gate = gates.computeIfAbsent(id, k -> new Gate());
            gate.waiters++;
        }
        try {
            synchronized (gate) {
                while (true) {
                    Optional<V> found = find.apply(id);
                    long left = deadline - System.nanoTime();
                    if (found.isPresent() || left <= 0) {
                        return found;
                    }
                    TimeUnit.NANOSECONDS.timedWait(gate, left);
                }
            }
        } finally {
            synchronized (gates) {
                if (--gate.waiters == 0) {
                    gates.remove(id, gate);
                }
            }
        }
    }

    /** Callers waiting now (for tests and diagnostics). */
    public int waiting() {
        synchronized (gates) {
            return gates.values().stream().mapToInt(g -> g.waiters).sum();
        }
    }
}
