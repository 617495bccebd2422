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

    private static final long MB = 1_000_000;
    private static final int MIB = 1 << 20;

    private static QosSlot reservingBytes(double mbps, long now) {
        QosSlot s = new QosSlot(UUID.randomUUID(), "b");
        double rate = mbps * MB;
        s.byteReservation = new TokenBucket(rate, rate * RateLimit.CATCH_UP_SECONDS, 0, now);
        return s;
    }

    /** Bytes a second {A, B} get as greedy 1 MiB streams (1 ms of service each) over 20 simulated seconds. */
    private static double[] greedyMiBStreams(ReservationScheduler sched, QosSlot a, QosSlot b) {
        long service = 1_000_000;
        List<QosSlot> slots = List.of(a, b);
        long nextA = 0;
        long nextB = 0;
        long bytesA = 0;
        long bytesB = 0;
        long nextTick = 0;
        long end = 20 * SECOND;
        long measureFrom = 2 * SECOND;
        while (Math.min(nextA, nextB) < end) {
            long now = Math.min(Math.min(nextA, nextB), nextTick);
            if (now == nextTick) {
                sched.tick(slots, now);
                nextTick += SECOND;
                continue;
            }
            if (nextB <= nextA) {
                nextB = now + sched.admit(b, MIB, now) + service;
                bytesB += nextB > measureFrom && nextB <= end ? MIB : 0;
            } else {
                nextA = now + sched.admit(a, MIB, now) + service;
                bytesA += nextA > measureFrom && nextA <= end ? MIB : 0;
            }
        }
        double seconds = (end - measureFrom) / 1e9;
        return new double[] {bytesA / seconds, bytesB / seconds};
    }

    @Test
    void aThroughputReservationIsHonouredUnderANoisyNeighbour() {
        // 100 MB/s of byte capacity, no IOPS capacity: only the byte dimension is scheduled.
        ReservationScheduler sched = new ReservationScheduler(0, 100 * MB, true);
        double[] r = greedyMiBStreams(sched, new QosSlot(UUID.randomUUID(), "a"), reservingBytes(30, 0));
        assertTrue(r[1] >= 0.95 * 30 * MB, "B's reservation of 30 MB/s under contention: " + r[1] / MB);
        assertTrue(r[0] + r[1] <= 100 * MB * 1.05, "the node's 100 MB/s: A " + r[0] / MB + " + B " + r[1] / MB);
        assertTrue(r[0] >= 30 * MB, "A keeps its part of the unreserved 70 MB/s: " + r[0] / MB);
        assertEquals(70 * MB, sched.sharedBytesRate(), 1e-3);
        assertEquals(0, sched.sharedRate(), "nobody reserves IOPS");
    }

    @Test
    void withoutAByteCapacityAThroughputReservationSchedulesNothing() {
        ReservationScheduler sched = new ReservationScheduler(1_000);
        QosSlot b = reservingBytes(30, 0);
        sched.admit(b, MIB, 0);
        sched.tick(List.of(b), 0);
        assertFalse(sched.contended(), "IOPS capacity only: a byte reservation is stored, not enforced");
    }

    @Test
    void bothDimensionsAreChargedForUnreservedRequestsAndTheLongerDelayWins() {
        ReservationScheduler sched = new ReservationScheduler(1_000, 100 * MB, true);
        QosSlot iopsOnly = reserving(500, 0);
        QosSlot bytesOnly = reservingBytes(50, 0);
        sched.admit(iopsOnly, 0, 0);
        sched.admit(bytesOnly, MIB, 0);
        sched.tick(List.of(iopsOnly, bytesOnly), 0);
        assertEquals(500, sched.sharedRate(), 1e-9);
        assertEquals(50 * MB, sched.sharedBytesRate(), 1e-3);
        // The shared buckets start with a short window of tokens: one operation fits, 5 MB do not, so an unreserved
        // 5 MB request waits for its bytes although its operation is free.
        assertEquals(0, sched.admitUnreserved(1, 0, 0));
        long withBytes = sched.admitUnreserved(1, 5 * MB, 0);
        double expected = (5 * MB - 50 * MB * RateLimit.WINDOW_SECONDS) / (50.0 * MB);
        assertEquals(expected, withBytes / 1e9, 1e-3, "the byte dimension sets the delay");
        assertEquals(0, sched.admitUnreserved(1, 0, 0), "the operation dimension still has tokens");
        // A volume reserving IOPS only still pays for its bytes from the shared byte bucket.
        assertTrue(sched.admit(iopsOnly, 5 * MB, SECOND / 100) > 0);
    }

    @Test
    void aRequestLargerThanTheReservationsBucketStillPassesOnTheReservation() {
        // 1 MB/s reserved: its bucket holds 250 kB, yet an 8 MiB request passes on it (lent), and the debt keeps
        // the next requests out of the reservation for the 8 s it takes to repay.
        ReservationScheduler sched = new ReservationScheduler(0, 100 * MB, true);
        QosSlot b = reservingBytes(1, 0);
        sched.admit(b, 0, 0);
        sched.tick(List.of(b), 0);
        assertEquals(0, sched.admit(b, 8 * MIB, SECOND / 10), "covered by the reservation, lent");
        assertFalse(b.byteReservation.tryLend(1, 2 * SECOND), "in debt for about 8 s");
        assertTrue(b.byteReservation.tryLend(1, 9 * SECOND), "repaid");
    }
}
