package io.galleonfs.node.volume.qos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Two greedy volumes on one node, simulated: each issues its next request when the last was admitted plus a service
 * time. B reserves 300 of the node's 1,000 IOPS; A has no policy at all.
 */
class ReservationSchedulerTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long SERVICE = 20_000; // 20 us per request: far more than the node's capacity if unthrottled

    private static QosSlot reserving(double iops, long now) {
        QosSlot s = new QosSlot(UUID.randomUUID(), "b");
        s.reservation = new TokenBucket(iops, Math.max(1, iops * RateLimit.CATCH_UP_SECONDS), 0, now);
        return s;
    }

    @Test
    void reservationIsHonouredUnderANoisyNeighbourAndTheRestIsShared() {
        ReservationScheduler sched = new ReservationScheduler(1_000);
        QosSlot a = new QosSlot(UUID.randomUUID(), "a");
        QosSlot b = reserving(300, 0);
        List<QosSlot> slots = List.of(a, b);
        long nextA = 0;
        long nextB = 0;
        long opsA = 0;
        long opsB = 0;
        long nextTick = 0;
        long end = 20 * SECOND;
        long measureFrom = 2 * SECOND; // after the first tick switched contention on
        while (Math.min(nextA, nextB) < end) {
            long now = Math.min(Math.min(nextA, nextB), nextTick);
            if (now == nextTick) {
                sched.tick(slots, now);
                nextTick += SECOND;
                continue;
            }
            if (nextB <= nextA) {
                long d = sched.admit(b, now);
                nextB = now + d + SERVICE;
                if (nextB > measureFrom && nextB <= end) {
                    opsB++;
                }
            } else {
                long d = sched.admit(a, now);
                nextA = now + d + SERVICE;
                if (nextA > measureFrom && nextA <= end) {
                    opsA++;
                }
            }
        }
        double seconds = (end - measureFrom) / 1e9;
        double iopsA = opsA / seconds;
        double iopsB = opsB / seconds;
        assertTrue(iopsB >= 0.95 * 300, "B's reservation of 300 IOPS under contention: " + iopsB);
        assertTrue(iopsA + iopsB <= 1_000 * 1.05, "the node's capacity of 1,000 IOPS: A " + iopsA + " + B " + iopsB);
        // The unreserved 700 are shared by both in arrival order (equal weights, as in mClock), so A gets about half.
        assertTrue(iopsA >= 300, "A keeps its part of the unreserved 700 IOPS: " + iopsA);
    }

    @Test
    void idleReservationCostsNothing() {
        ReservationScheduler sched = new ReservationScheduler(1_000);
        QosSlot a = new QosSlot(UUID.randomUUID(), "a");
        QosSlot b = reserving(300, 0);
        assertEquals(0, sched.admit(b, 0));
        sched.tick(List.of(a, b), 0);
        assertTrue(sched.contended());
        assertEquals(700, sched.sharedRate(), 1e-9);
        // B falls silent: after a second without I/O its reservation no longer holds capacity back.
        sched.tick(List.of(a, b), 2 * SECOND);
        assertFalse(sched.contended());
        for (int i = 0; i < 10_000; i++) {
            assertEquals(0, sched.admit(a, 2 * SECOND));
        }
    }

    @Test
    void withoutCapacityNothingIsScheduled() {
        ReservationScheduler sched = new ReservationScheduler(0);
        QosSlot b = reserving(300, 0);
        sched.admit(b, 0);
        sched.tick(List.of(b), 0);
        assertFalse(sched.contended());
    }

    @Test
    void sharedRateNeverDropsToZero() {
        ReservationScheduler sched = new ReservationScheduler(1_000);
        QosSlot b = reserving(1_000, 0);
        sched.admit(b, 0);
        sched.tick(List.of(b), 0);
        assertEquals(1_000 * ReservationScheduler.MIN_SHARED_FRACTION, sched.sharedRate(), 1e-9);
    }
}
