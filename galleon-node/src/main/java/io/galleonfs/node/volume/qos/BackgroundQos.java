package io.galleonfs.node.volume.qos;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The background QoS class of a node: rebuilds, scrubs, backups reading volumes and restores writing them. Its own limit (MB/s and requests a
 * second, node-wide, shared by all background work; 0 = none) keeps a rebuild or a backup from taking the disk from
 * clients, and while reservations are contended on the node each background request also draws from the scheduler's
 * shared bucket like an unreserved volume, so background work can never eat into reserved capacity. Background I/O is
 * never charged to the volume's own (client) limit. The delay is waited on the background thread, which no client waits
 * on; it is not capped (nothing times out on it).
 */
public final class BackgroundQos {
    /** Background work, each with its own series. */
    public enum Work {
        REBUILD, SCRUB, BACKUP, RESTORE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Work of(String label) {
            return valueOf(label.toUpperCase(Locale.ROOT));
        }
    }

    /** Default limits: generous enough that a rebuild of 10 GiB takes under a minute, low enough to leave a disk to clients. */
    public static final long DEFAULT_MBPS = 200;
    public static final long DEFAULT_IOPS = 2_000;

    private final ReservationScheduler scheduler;
    private final LongSupplier clock;
    private final QosWaiter waiter;
    private final long mbps;
    private final long iops;
    private final TokenBucket bytes;
    private final TokenBucket requests;
    private final LongAdder[] throttledNanos = adders();
    private final LongAdder[] operations = adders();
    private final LongAdder[] bytesMoved = adders();

    BackgroundQos(long mbps, long iops, ReservationScheduler scheduler, LongSupplier clock, QosWaiter waiter) {
        if (mbps < 0 || iops < 0) {
            throw new IllegalArgumentException("background limits must be >= 0 (0 = none)");
        }
        this.scheduler = scheduler;
        this.clock = clock;
        this.waiter = waiter;
        this.mbps = mbps;
        this.iops = iops;
        long now = clock.getAsLong();
        this.bytes = mbps == 0 ? null : bucket(mbps * 1_000_000.0, now);
        this.requests = iops == 0 ? null : bucket(iops, now);
    }

    private static TokenBucket bucket(double rate, long now) {
        double capacity = Math.max(1, rate * RateLimit.CATCH_UP_SECONDS);
        return new TokenBucket(rate, capacity, rate * RateLimit.WINDOW_SECONDS, now);
    }

    private static LongAdder[] adders() {
        LongAdder[] a = new LongAdder[Work.values().length];
        for (int i = 0; i < a.length; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** Waits until {@code work} may do {@code ops} requests moving (reading or, for a restore, writing) {@code byteCount} bytes. */
    public void admit(Work work, long ops, long byteCount) {
        long now = clock.getAsLong();
        long delay = 0;
        if (bytes != null && byteCount > 0) {
            synchronized (bytes) {
                delay = bytes.take(byteCount, now);
            }
        }
        if (requests != null && ops > 0) {
            synchronized (requests) {
                delay = Math.max(delay, requests.take(ops, now));
            }
        }
        if (ops > 0) {
            delay = Math.max(delay, scheduler.admitUnreserved(ops, byteCount, now));
        }
        int i = work.ordinal();
        operations[i].add(ops);
        bytesMoved[i].add(byteCount);
        if (delay > 0) {
            throttledNanos[i].add(delay);
            waiter.pause(delay);
        }
    }

    public long limitMbps() {
        return mbps;
    }

    public long limitIops() {
        return iops;
    }

    /** Seconds background {@code work} was held back by its class. */
    public double throttledSeconds(Work work) {
        return throttledNanos[work.ordinal()].sum() / 1e9;
    }

    public long operations(Work work) {
        return operations[work.ordinal()].sum();
    }

    public long bytes(Work work) {
        return bytesMoved[work.ordinal()].sum();
    }
}
