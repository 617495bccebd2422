package io.galleonfs.node.volume.qos;

import io.galleonfs.api.QosPolicy;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;

/**
 * One volume's QoS state on the node serving it. Wrappers of the volume hold the slot, and a policy change swaps the
 * slot's limiter, so open exports and mounts pick up a change with their next request. A slot without a policy costs a
 * request two volatile reads.
 */
public final class QosSlot {
    private final UUID id;
    private final String name;
    /** The policy in force (null: none) and its limiter (null: no limits) and reservation bucket (null: no guarantee). */
    volatile QosPolicy policy;
    volatile VolumeLimiter limiter;
    volatile TokenBucket reservation;
    /** Throughput reservation in bytes a second (null: none, or no byte capacity known on this node). */
    volatile TokenBucket byteReservation;
    /** Last admission of a volume with a reservation (scheduler clock); only written when a reservation exists. */
    volatile long lastReservedIo = Long.MIN_VALUE;
    /** Requests of this reserving volume between their arrival at QoS and their completion on this node. */
    final java.util.concurrent.atomic.AtomicInteger inflight = new java.util.concurrent.atomic.AtomicInteger();
    /** Arrivals of this reserving volume, and the sum of its own requests in flight each arrival found. */
    final LongAdder reservedArrivals = new LongAdder();
    final LongAdder reservedQueueSeen = new LongAdder();
    /** Bytes of this reserving volume's arrivals. */
    final LongAdder reservedBytesArrived = new LongAdder();
    /** The two sums at the scheduler's last adaptation (its thread only). */
    long adaptedArrivals;
    long adaptedBytes;
    long adaptedQueueSeen;
    final LongAdder throttledNanos = new LongAdder();
    final LongAdder throttledOps = new LongAdder();
    final LongAdder overlongWaits = new LongAdder();
    /** The policy's latency target in nanoseconds (0: none); while set, each request's service time is compared with it. */
    volatile long latencyTargetNanos;
    final LongAdder timedOps = new LongAdder();
    final LongAdder slowOps = new LongAdder();
    final LongAdder latencyBreachSeconds = new LongAdder();
    /** Counts at the last once-a-second evaluation, whether that second breached, and when a breach was last logged. */
    long evaluatedOps;
    long evaluatedSlow;
    volatile boolean breaching;
    long lastBreachLog = Long.MIN_VALUE;

    QosSlot(UUID id, String name) {
        this.id = id;
        this.name = name;
    }

    public UUID id() {
        return id;
    }

    public String name() {
        return name;
    }

    public QosPolicy policy() {
        return policy;
    }

    /** Total time requests of this volume were held back by QoS, in seconds. */
    public double throttledSeconds() {
        return throttledNanos.sum() / 1e9;
    }

    /** Requests that were held back at all. */
    public long throttledOperations() {
        return throttledOps.sum();
    }

    /** Seconds in which more than 1 % of the volume's requests took longer than its latency target (p99 above it). */
    public long latencyBreachSeconds() {
        return latencyBreachSeconds.sum();
    }

    /** Whether the last evaluated second breached the latency target. */
    public boolean breachingLatencyTarget() {
        return breaching;
    }

    /** Requests whose due delay exceeded the maximum wait and were let through after the maximum. */
    public long overlongWaits() {
        return overlongWaits.sum();
    }
}
