package io.galleonfs.node.volume.qos;

import java.util.Collection;

/**
 * Honours IOPS and throughput reservations between the volumes this node serves, with a per-node budget in each of the
 * two dimensions, enforced the same way in both: the node's capacity C (IOPS, and bytes a second; configured or
 * calibrated) is split into the reservations of the volumes that reserve and are active (did I/O in the
 * last {@link #ACTIVE_NANOS}), and a shared rest. An operation of a reserving volume is admitted at once while its own
 * reservation bucket (refilled at its reservation) has a token; every other operation, of any volume, draws from the
 * shared bucket refilled at C minus the active reservations. Unreserved volumes together can therefore never take the
 * reserved share, while idle reservations cost nothing: with no reserving volume active the shared bucket is switched
 * off and no volume pays for it. This is the reservation half of mClock (its tags reduce to per-volume buckets because
 * every reserving volume is served in arrival order within its own stream); limits are enforced separately per volume.
 * A request costs one operation and its bytes; it waits for whichever dimension its own reservation does not cover, and
 * a dimension nobody reserves in costs nothing. Two dimensions rather than one cost unit (like mClock's cost per byte in
 * Ceph): a reservation is stated in the seed's two units, and two budgets keep "4 KiB at 5,000 IOPS" and "1 MiB at
 * 200 MB/s" each exact against the capacity measured for it, where one blended unit would only be right at one size.
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
    /** Bytes a second (0: throughput reservations are not enforced). */
    private volatile double capacityBytes;
    /** Null while no reserving volume is active: then nobody is charged. */
    private volatile TokenBucket shared;
    /** The same for bytes: null while no volume reserving throughput is active. */
    private volatile TokenBucket sharedBytes;
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
        this(capacityIops, 0, adaptive);
    }

    /** @param capacityBytes bytes a second that throughput reservations may add up to (0: not enforced) */
    ReservationScheduler(double capacityIops, double capacityBytes, boolean adaptive) {
        if (capacityIops < 0 || capacityBytes < 0) {
            throw new IllegalArgumentException("capacity must be >= 0");
        }
        this.capacity = capacityIops;
        this.capacityBytes = capacityBytes;
        this.adaptive = adaptive;
    }

    /** A new capacity (a calibration, or none); the shared rates follow at the next {@link #tick}. */
    void setCapacity(double capacityIops) {
        setCapacity(capacityIops, capacityBytes);
    }

    /** A new capacity in both dimensions (0 switches a dimension off); the shared rates follow at the next {@link #tick}. */
    void setCapacity(double capacityIops, double capacityBytes) {
        if (capacityIops < 0 || capacityBytes < 0) {
            throw new IllegalArgumentException("capacity must be >= 0");
        }
        this.capacity = capacityIops;
        this.capacityBytes = capacityBytes;
        if (capacityIops == 0) {
            shared = null;
        }
        if (capacityBytes == 0) {
            sharedBytes = null;
        }
    }

    boolean enabled() {
        return capacity > 0;
    }

    /** Whether throughput reservations are enforced (a byte capacity is known). */
    boolean bytesEnabled() {
        return capacityBytes > 0;
    }

    double capacity() {
        return capacity;
    }

    /** Bytes a second reservations may use (0: unknown). */
    double capacityBytes() {
        return capacityBytes;
    }

    /** Whether requests are charged now (some reserving volume is active). */
    boolean contended() {
        return shared != null || sharedBytes != null;
    }

    /** The delay of one operation of {@code slot} moving no data (see {@link #admit(QosSlot, long, long)}). */
    long admit(QosSlot slot, long now) {
        return admit(slot, 0, now);
    }

    /**
     * The delay of one operation of {@code slot} moving {@code bytes}: 0 when its reservations cover it or nobody
     * reserves, else the longer of the shared buckets' delays for the dimensions its own reservation did not cover.
     */
    long admit(QosSlot slot, long bytes, long now) {
        TokenBucket r = slot.reservation;
        TokenBucket rb = slot.byteReservation;
        if (r != null || rb != null) {
            slot.lastReservedIo = now;
            slot.reservedArrivals.increment();
            slot.reservedBytesArrived.add(bytes);
            slot.reservedQueueSeen.add(Math.max(0, slot.inflight.get() - 1));
        }
        long delay = 0;
        boolean opsCovered = false;
        if (r != null) {
            synchronized (r) {
                opsCovered = r.tryTake(1, now);
            }
        }
        if (!opsCovered) {
            delay = take(shared, 1, now);
        }
        if (bytes > 0) {
            boolean bytesCovered = false;
            if (rb != null) {
                // Lends: a request bigger than the reservation's bucket (8 MiB under 1 MB/s) passes while the bucket is
                // not in debt, and the debt keeps the volume's next requests out of its reservation until repaid.
                synchronized (rb) {
                    bytesCovered = rb.tryLend(bytes, now);
                }
            }
            if (!bytesCovered) {
                delay = Math.max(delay, take(sharedBytes, bytes, now));
            }
        }
        return delay;
    }

    private static long take(TokenBucket s, double n, long now) {
        if (s == null) {
            return 0;
        }
        synchronized (s) {
            return s.take(n, now);
        }
    }

    /** The delay of {@code n} operations of unreserved work moving no data. */
    long admitUnreserved(long n, long now) {
        return admitUnreserved(n, 0, now);
    }

    /** The delay of {@code n} operations of unreserved work (the background class): the shared buckets', while contended. */
    long admitUnreserved(long n, long bytes, long now) {
        long delay = n > 0 ? take(shared, n, now) : 0;
        return bytes > 0 ? Math.max(delay, take(sharedBytes, bytes, now)) : delay;
    }

    /** Recomputes the shared rate from the reservations active now; called about once a second and on policy changes. */
    synchronized void tick(Collection<QosSlot> slots, long now) {
        double capacity = this.capacity;
        double capacityBytes = this.capacityBytes;
        if (capacity <= 0) {
            shared = null;
        }
        if (capacityBytes <= 0) {
            sharedBytes = null;
        }
        if (capacity <= 0 && capacityBytes <= 0) {
            return;
        }
        boolean adapt = adaptive && lastAdapted != Long.MIN_VALUE && now - lastAdapted >= ADAPT_NANOS;
        double seconds = adapt ? (now - lastAdapted) / 1e9 : 0;
        if (lastAdapted == Long.MIN_VALUE || adapt) {
            lastAdapted = now;
        }
        double reserved = 0;
        double reservedBytes = 0;
        boolean starved = false;
        boolean prompt = true;
        for (QosSlot slot : slots) {
            TokenBucket r = capacity > 0 ? slot.reservation : null;
            TokenBucket rb = capacityBytes > 0 ? slot.byteReservation : null;
            long last = slot.lastReservedIo;
            long arrivals = slot.reservedArrivals.sum();
            long arrivedBytes = slot.reservedBytesArrived.sum();
            long seen = slot.reservedQueueSeen.sum();
            long dArrivals = arrivals - slot.adaptedArrivals;
            long dBytes = arrivedBytes - slot.adaptedBytes;
            long dSeen = seen - slot.adaptedQueueSeen;
            if (adapt) {
                slot.adaptedArrivals = arrivals;
                slot.adaptedBytes = arrivedBytes;
                slot.adaptedQueueSeen = seen;
            }
            if ((r != null || rb != null) && last != Long.MIN_VALUE && now - last <= ACTIVE_NANOS) {
                double queue = dArrivals > 0 ? (double) dSeen / dArrivals : 0;
                boolean queued = adapt && dArrivals > 0 && queue >= STARVED_QUEUE;
                if (r != null) {
                    reserved += r.rate();
                    starved |= queued && dArrivals / seconds < STARVED_SHARE * r.rate();
                }
                if (rb != null) {
                    reservedBytes += rb.rate();
                    starved |= queued && dBytes / seconds < STARVED_SHARE * rb.rate();
                }
                if (adapt && dArrivals > 0) {
                    prompt &= queue < PROMPT_QUEUE;
                }
            }
        }
        if (reserved <= 0 && reservedBytes <= 0) {
            shared = null;
            sharedBytes = null;
            sharedFactor = 1;
            return;
        }
        if (starved) {
            sharedFactor = Math.max(MIN_SHARED_FRACTION, sharedFactor * DECREASE);
        } else if (adapt && prompt) {
            sharedFactor = Math.min(1, sharedFactor + INCREASE);
        }
        // One factor for both dimensions: a starved reservation of either kind means the node delivers less than C.
        shared = reserved > 0 ? sharedBucket(shared, capacity, reserved, now) : null;
        sharedBytes = reservedBytes > 0 ? sharedBucket(sharedBytes, capacityBytes, reservedBytes, now) : null;
    }

    private TokenBucket sharedBucket(TokenBucket s, double capacity, double reserved, long now) {
        double rate = Math.max((capacity - reserved) * sharedFactor, capacity * MIN_SHARED_FRACTION);
        double capacityTokens = rate * RateLimit.CATCH_UP_SECONDS;
        if (s == null) {
            return new TokenBucket(rate, capacityTokens, rate * RateLimit.WINDOW_SECONDS, now);
        }
        synchronized (s) {
            s.setRate(rate, capacityTokens, now);
        }
        return s;
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

    /** The shared byte rate now (bytes a second), or 0 when no throughput reservation is active. */
    double sharedBytesRate() {
        TokenBucket s = sharedBytes;
        return s == null ? 0 : s.rate();
    }
}
