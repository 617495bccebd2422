package io.galleonfs.node.volume.qos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.QosPolicy;
import org.junit.jupiter.api.Test;

/** Limits and burst credit on a simulated clock: a client issues its next request as soon as the last one is admitted. */
class VolumeLimiterTest {
    private static final long SECOND = 1_000_000_000L;

    private static QosPolicy iops(long limit) {
        return new QosPolicy(null, new QosPolicy.Limits(limit, null, null), null, null);
    }

    /** A greedy client: runs from {@code from} to {@code to} (ns) issuing ops no faster than {@code gapNanos}; returns ops done. */
    private static long run(VolumeLimiter l, long from, long to, long gapNanos, long bytes) {
        long t = from;
        long ops = 0;
        while (t < to) {
            long d = l.admit(1, bytes, t);
            t += Math.max(d, gapNanos);
            if (t <= to) {
                ops++;
            }
        }
        return ops;
    }

    @Test
    void iopsLimitHoldsOverTime() {
        VolumeLimiter l = VolumeLimiter.of(iops(500), 0);
        long ops = run(l, 0, 10 * SECOND, 1_000, 4096);
        // 5,000 at the limit plus at most the smoothing window (25 tokens).
        assertTrue(ops >= 5_000 && ops <= 5_000 + 26, "ops in 10 s at 500 IOPS: " + ops);
    }

    @Test
    void aStalledVolumeCatchesUpOnlyTheCatchUpWindow() {
        VolumeLimiter l = VolumeLimiter.of(iops(1000), 0);
        long ops = run(l, 0, SECOND, 1_000, 4096);
        // A 200 ms stall (no requests), then the client is greedy again: it may make up the lost 200 ops...
        long after = run(l, SECOND + 200_000_000L, 2 * SECOND, 1_000, 4096);
        assertTrue(ops + after >= 2_000 && ops + after <= 2_000 + 51, "ops in 2 s with a 200 ms stall: " + (ops + after));
        // ...but a 2 s pause earns only 250 ms worth, not 2 s.
        long later = run(l, 4 * SECOND, 5 * SECOND, 1_000, 4096);
        assertTrue(later >= 1_000 && later <= 1_000 + 251, "ops in 1 s after a 2 s pause: " + later);
    }

    @Test
    void throughputLimitCountsBytes() {
        VolumeLimiter l = VolumeLimiter.of(new QosPolicy(null, new QosPolicy.Limits(null, 10L, null), null, null), 0);
        long ops = run(l, 0, 10 * SECOND, 1_000, 1 << 20);
        double mb = ops * (double) (1 << 20) / 1e6;
        assertTrue(mb >= 99 && mb <= 102, "MB in 10 s at 10 MB/s: " + mb);
    }

    @Test
    void unlimitedPolicyHasNoLimiter() {
        assertEquals(null, VolumeLimiter.of(new QosPolicy(null, null, new QosPolicy.Guarantees(10L, null), null), 0));
    }

    @Test
    void requestLargerThanTheBucketPassesAfterItsFairDelay() {
        VolumeLimiter l = VolumeLimiter.of(new QosPolicy(null, new QosPolicy.Limits(null, 1L, null), null, null), 0);
        long d = l.admit(1, 8_000_000, 0);
        // 8 MB at 1 MB/s, less the 50 ms window it starts with.
        assertEquals(7.95, d / 1e9, 0.001);
        // The next request waits behind it.
        assertTrue(l.admit(1, 1000, 0) > d);
    }

    @Test
    void burstRunsAtTheMultiplierForItsDurationThenFallsBackAndTheCreditRefills() {
        QosPolicy p = new QosPolicy(null, new QosPolicy.Limits(100L, null, null), null,
                new QosPolicy.Burstable(true, 5L, 2.0, null));
        VolumeLimiter l = VolumeLimiter.of(p, 0);
        long gap = SECOND / 1000; // the client could do 1,000 IOPS
        long[] perSecond = new long[10];
        for (int s = 0; s < 10; s++) {
            perSecond[s] = run(l, s * SECOND, (s + 1) * SECOND, gap, 4096);
        }
        for (int s = 0; s < 5; s++) {
            assertTrue(perSecond[s] >= 195 && perSecond[s] <= 212, "second " + s + " of the burst: " + perSecond[s]);
        }
        for (int s = 6; s < 10; s++) {
            assertTrue(perSecond[s] >= 98 && perSecond[s] <= 102, "second " + s + " after the burst: " + perSecond[s]);
        }
        // Idle for 5 s earns 500 tokens back: another 5 s at 2x (allowing for the partial first second's rounding).
        long t = 15 * SECOND;
        long again = run(l, t, t + 5 * SECOND, gap, 4096);
        assertTrue(again >= 990 && again <= 1_020, "ops in 5 s after the credit refilled: " + again);
        long after = run(l, t + 5 * SECOND, t + 7 * SECOND, gap, 4096);
        assertTrue(after >= 196 && after <= 215, "ops in the 2 s after the second burst: " + after);
    }

    @Test
    void burstOnlyForThroughputLeavesIopsAtItsLimit() {
        QosPolicy p = new QosPolicy(null, new QosPolicy.Limits(100L, 10L, null), null,
                new QosPolicy.Burstable(true, 10L, null, 3.0));
        VolumeLimiter l = VolumeLimiter.of(p, 0);
        long ops = run(l, 0, SECOND, 1_000, 4096);
        assertTrue(ops <= 106, "IOPS must not burst: " + ops);
    }
}
