package io.galleonfs.node.volume.qos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The background class on a simulated clock: waiting advances it. */
class BackgroundQosTest {
    private static final long SECOND = 1_000_000_000L;
    private final long[] now = {0};
    private final QosWaiter waiter = nanos -> now[0] += nanos;

    /** Seconds of simulated time {@code n} background requests of {@code bytes} take, served instantly. */
    private double secondsFor(BackgroundQos b, BackgroundQos.Work w, int n, long bytes) {
        long start = now[0];
        for (int i = 0; i < n; i++) {
            b.admit(w, 1, bytes);
        }
        return (now[0] - start) / 1e9;
    }

    @Test
    void theMbpsLimitHoldsAcrossAllBackgroundWork() {
        BackgroundQos b = new BackgroundQos(100, 0, new ReservationScheduler(0), () -> now[0], waiter);
        secondsFor(b, BackgroundQos.Work.REBUILD, 100, 1_000_000); // spend the initial tokens
        double rebuild = secondsFor(b, BackgroundQos.Work.REBUILD, 500, 1_000_000);
        double backup = secondsFor(b, BackgroundQos.Work.BACKUP, 500, 1_000_000);
        assertEquals(5.0, rebuild, 0.1, "500 MB at 100 MB/s");
        assertEquals(5.0, backup, 0.1, "the same class: backups share the limit");
        assertTrue(b.throttledSeconds(BackgroundQos.Work.REBUILD) >= 4.9);
        assertEquals(600, b.operations(BackgroundQos.Work.REBUILD));
        assertEquals(500_000_000L, b.bytes(BackgroundQos.Work.BACKUP));
        assertEquals(0, b.throttledSeconds(BackgroundQos.Work.SCRUB));
    }

    @Test
    void theRequestLimitAppliesAndZeroMeansNone() {
        BackgroundQos limited = new BackgroundQos(0, 1_000, new ReservationScheduler(0), () -> now[0], waiter);
        secondsFor(limited, BackgroundQos.Work.SCRUB, 1_000, 4096);
        assertEquals(2.0, secondsFor(limited, BackgroundQos.Work.SCRUB, 2_000, 4096), 0.05);
        BackgroundQos free = new BackgroundQos(0, 0, new ReservationScheduler(0), () -> now[0], waiter);
        assertEquals(0, secondsFor(free, BackgroundQos.Work.SCRUB, 100_000, 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> new BackgroundQos(-1, 0, new ReservationScheduler(0), () -> now[0], waiter));
    }

    @Test
    void underContendedReservationsBackgroundWorkDrawsFromTheSharedBucket() {
        ReservationScheduler sched = new ReservationScheduler(1_000);
        QosSlot reserving = new QosSlot(UUID.randomUUID(), "b");
        reserving.reservation = new TokenBucket(900, 900 * RateLimit.CATCH_UP_SECONDS, 0, 0);
        BackgroundQos b = new BackgroundQos(0, 0, sched, () -> now[0], waiter);
        assertEquals(0, secondsFor(b, BackgroundQos.Work.REBUILD, 10_000, 4096), "nobody reserves: no charge");
        sched.admit(reserving, now[0]);
        sched.tick(List.of(reserving), now[0]);
        secondsFor(b, BackgroundQos.Work.REBUILD, 100, 4096); // the shared bucket's initial tokens
        double s = secondsFor(b, BackgroundQos.Work.REBUILD, 500, 4096);
        assertEquals(5.0, s, 0.1, "only the unreserved 100 IOPS of the node's 1,000 are left to background work");
    }
}
