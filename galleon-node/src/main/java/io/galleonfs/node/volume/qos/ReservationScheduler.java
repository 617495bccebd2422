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
    /** A reserving volume served below this share of its reservation ... */
    static final double STARVED_SHARE = 0.97;
    /** ... while its arrivals found at least this many of its own requests still in the node is being starved. */
    static final double STARVED_QUEUE = 4;
    /** Below this queue a reserving volume is served promptly: the shared rate may grow back. */
    static final double PROMPT_QUEUE = 2;
    static final double DECREASE = 0.8;
    static final double INCREASE = 0.02;
    /** Adaptation needs a measured interval of at least this long (policy changes call tick in between). */
    static final long ADAPT_NANOS = 500_000_000L;

    private volatile double capacity;
    /** Null while no reserving volume is active: then nobody is charged. */
    private volatile TokenBucket shared;
    /**
     * The share of the unreserved capacity (C minus the active reservations) that the shared bucket hands out, adapted
     * once a second: lowered when a reserving volume is starved although its bucket would admit it (the node delivers
     * less than C: a capacity measured on a quieter host, clients' own CPU, background load), raised slowly while every
     * reserving volume is served promptly. So a capacity set too high cannot make reservations fail; one set too low
     * only leaves unreserved volumes slower than they could be.
     */
    private double sharedFactor = 1;
    private long lastAdapted = Long.MIN_VALUE;

    private final boolean adaptive;

    ReservationScheduler(double capacityIops) {
        this(capacityIops, true);
    }

    /** {@code adaptive = false} keeps the shared rate at C minus the reservations (a test's baseline). */
    ReservationScheduler(double capacityIops, boolean adaptive) {
        this.capacity = capacityIops;
        this.adaptive = adaptive;
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
            slot.reservedArrivals.increment();
            slot.reservedQueueSeen.add(Math.max(0, slot.inflight.get() - 1));
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
    synchronized void tick(Collection<QosSlot> slots, long now) {
        double capacity = this.capacity;
        if (capacity <= 0) {
            shared = null;
            return;
        }
        boolean adapt = adaptive && lastAdapted != Long.MIN_VALUE && now - lastAdapted >= ADAPT_NANOS;
        double seconds = adapt ? (now - lastAdapted) / 1e9 : 0;
        if (lastAdapted == Long.MIN_VALUE || adapt) {
            lastAdapted = now;
        }
        double reserved = 0;
        boolean starved = false;
        boolean prompt = true;
        for (QosSlot slot : slots) {
            TokenBucket r = slot.reservation;
            long last = slot.lastReservedIo;
            long arrivals = slot.reservedArrivals.sum();
            long seen = slot.reservedQueueSeen.sum();
            long dArrivals = arrivals - slot.adaptedArrivals;
            long dSeen = seen - slot.adaptedQueueSeen;
            if (adapt) {
                slot.adaptedArrivals = arrivals;
                slot.adaptedQueueSeen = seen;
            }
            if (r != null && last != Long.MIN_VALUE && now - last <= ACTIVE_NANOS) {
                reserved += r.rate();
                if (adapt && dArrivals > 0) {
                    double queue = (double) dSeen / dArrivals;
                    starved |= dArrivals / seconds < STARVED_SHARE * r.rate() && queue >= STARVED_QUEUE;
                    prompt &= queue < PROMPT_QUEUE;
                }
            }
        }
        if (reserved <= 0) {
            shared = null;
            sharedFactor = 1;
            return;
        }
        if (starved) {
            sharedFactor = Math.max(MIN_SHARED_FRACTION, sharedFactor * DECREASE);
        } else if (adapt && prompt) {
            sharedFactor = Math.min(1, sharedFactor + INCREASE);
        }
        double rate = Math.max((capacity - reserved) * sharedFactor, capacity * MIN_SHARED_FRACTION);
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

    /** The share of the unreserved capacity handed out now (1 unless reserving volumes were starved). */
    synchronized double sharedFactor() {
        return sharedFactor;
    }

    /** The shared rate now (IOPS), or 0 when nobody is charged. */
    double sharedRate() {
        TokenBucket s = shared;
        return s == null ? 0 : s.rate();
    }
}
