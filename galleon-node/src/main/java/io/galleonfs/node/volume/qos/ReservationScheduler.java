package io.galleonfs.node.volume.qos;

import java.util.Collection;

/**
 * Honours IOPS reservations between the volumes this node serves, with a per-node budget: the node's capacity C (IOPS,
 * configured or calibrated) is split into the reservations of the volumes that reserve and are active (did I/O in the
 * last {@link #ACTIVE_NANOS}), and a shared rest. An operation of a reserving volume is admitted at once while its own
 * reservation bucket (refilled at its reservation) has a token; every other operation, of any volume, draws from the
 * shared bucket refilled at C minus the active reservations. Unreserved volumes together can therefore never take the
 * reserved share, while idle reservations cost nothing: with no reserving volume active the shared bucket is switched
 * off and no volume pays for it. This is the reservation half of mClock (its tags reduce to per-volume buckets because
 * every reserving volume is served in arrival order within its own stream); limits are enforced separately per volume.
 * Thread-safe.
 */
final class ReservationScheduler {
    static final long ACTIVE_NANOS = 1_000_000_000L;
    /** Unreserved I/O always keeps at least this share of the capacity, so it slows down but never stops. */
    static final double MIN_SHARED_FRACTION = 0.02;

    private volatile double capacity;
    /** Null while no reserving volume is active: then nobody is charged. */
    private volatile TokenBucket shared;

    ReservationScheduler(double capacityIops) {
        this.capacity = capacityIops;
    }

    /** A new capacity (a calibration, or none); the shared rate follows at the next {@link #tick}. */
    void setCapacity(double capacityIops) {
        if (capacityIops < 0) {
            throw new IllegalArgumentException("capacity must be >= 0");
        }
        this.capacity = capacityIops;
        if (capacityIops == 0) {
            shared = null;
        }
    }

    boolean enabled() {
        return capacity > 0;
    }

    double capacity() {
        return capacity;
    }

    /** Whether operations are charged now (some reserving volume is active). */
    boolean contended() {
        return shared != null;
    }

    /** The delay of one operation of {@code slot} (0 when its reservation covers it or nobody reserves). */
    long admit(QosSlot slot, long now) {
        TokenBucket r = slot.reservation;
        if (r != null) {
            slot.lastReservedIo = now;
            synchronized (r) {
                if (r.tryTake(1, now)) {
                    return 0;
                }
            }
        }
        TokenBucket s = shared;
        if (s == null) {
            return 0;
        }
        synchronized (s) {
            return s.take(1, now);
        }
    }

    /** The delay of {@code n} operations of unreserved work (the background class): the shared bucket's, while contended. */
    long admitUnreserved(long n, long now) {
        TokenBucket s = shared;
        if (s == null) {
            return 0;
        }
        synchronized (s) {
            return s.take(n, now);
        }
    }

    /** Recomputes the shared rate from the reservations active now; called about once a second and on policy changes. */
    void tick(Collection<QosSlot> slots, long now) {
        double capacity = this.capacity;
        if (capacity <= 0) {
            shared = null;
            return;
        }
        double reserved = 0;
        for (QosSlot slot : slots) {
            TokenBucket r = slot.reservation;
            long last = slot.lastReservedIo;
            if (r != null && last != Long.MIN_VALUE && now - last <= ACTIVE_NANOS) {
                reserved += r.rate();
            }
        }
        if (reserved <= 0) {
            shared = null;
            return;
        }
        double rate = Math.max(capacity - reserved, capacity * MIN_SHARED_FRACTION);
        double capacityTokens = rate * RateLimit.CATCH_UP_SECONDS;
        TokenBucket s = shared;
        if (s == null) {
            shared = new TokenBucket(rate, capacityTokens, rate * RateLimit.WINDOW_SECONDS, now);
        } else {
            synchronized (s) {
                s.setRate(rate, capacityTokens, now);
            }
        }
    }

    /** The shared rate now (IOPS), or 0 when nobody is charged. */
    double sharedRate() {
        TokenBucket s = shared;
        return s == null ? 0 : s.rate();
    }
}
