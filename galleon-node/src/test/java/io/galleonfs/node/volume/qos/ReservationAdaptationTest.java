package io.galleonfs.node.volume.qos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.List;
import java.util.PriorityQueue;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The scheduler when the node delivers less than the capacity it was given (bench/qos's noisy neighbour: a capacity
 * measured alone, two clients and their CPU on the host): a simulated node that serves {@link #DELIVERED} IOPS in FIFO
 * order, A greedy at QD32, B asking for exactly its reservation at QD32, as fio's {@code rate_iops} does. With both
 * backlogged the node splits what it delivers evenly, as two NBD connections sharing the host's CPU do: B's half (400)
 * is below its reservation (500) unless the shared rate drops below what the node really has left (300).
 */
class ReservationAdaptationTest {
    private static final long SECOND = 1_000_000_000L;
    private static final double CAPACITY = 1_000;
    private static final double DELIVERED = 800;
    private static final double RESERVED = 500;
    private static final int QD = 32;

    private record Event(long at, int kind, QosSlot slot) {
    }

    private static final int ISSUE = 0;
    private static final int ENTER = 1;
    private static final int DONE = 2;

    /** Returns {A's IOPS, B's IOPS} over seconds 10-40, and leaves the scheduler as it ended. */
    private static double[] run(ReservationScheduler sched) {
        QosSlot a = new QosSlot(UUID.randomUUID(), "a");
        QosSlot b = new QosSlot(UUID.randomUUID(), "b");
        b.reservation = new TokenBucket(RESERVED, RESERVED * RateLimit.CATCH_UP_SECONDS, 0, 0);
        List<QosSlot> slots = List.of(a, b);
        PriorityQueue<Event> events = new PriorityQueue<>((x, y) -> x.at != y.at ? Long.compare(x.at, y.at) : Integer.compare(x.kind, y.kind));
        ArrayDeque<QosSlot> server = new ArrayDeque<>();
        long service = (long) (SECOND / DELIVERED);
        long serverFreeAt = 0;
        long bNext = 0; // B's rate_iops schedule
        for (int i = 0; i < QD; i++) {
            events.add(new Event(0, ISSUE, a));
            events.add(new Event(0, ISSUE, b));
        }
        long nextTick = 0;
        long end = 40 * SECOND;
        long from = 10 * SECOND;
        long[] done = new long[2];
        while (!events.isEmpty()) {
            Event e = events.poll();
            long now = e.at;
            if (now > end) {
                break;
            }
            while (nextTick <= now) {
                sched.tick(slots, nextTick);
                nextTick += SECOND;
            }
            switch (e.kind) {
                case ISSUE -> {
                    if (e.slot == b && bNext > now) {
                        events.add(new Event(bNext, ISSUE, b));
                        break;
                    }
                    if (e.slot == b) {
                        bNext = Math.max(bNext, now) + (long) (SECOND / RESERVED);
                    }
                    if (e.slot.reservation != null) {
                        e.slot.inflight.incrementAndGet();
                    }
                    events.add(new Event(now + sched.admit(e.slot, now), ENTER, e.slot));
                }
                case ENTER -> {
                    server.add(e.slot);
                    if (server.size() == 1) {
                        serverFreeAt = Math.max(serverFreeAt, now) + service;
                        events.add(new Event(serverFreeAt, DONE, e.slot));
                    }
                }
                default -> {
                    server.poll();
                    if (e.slot.reservation != null) {
                        e.slot.inflight.decrementAndGet();
                    }
                    if (now >= from) {
                        done[e.slot == a ? 0 : 1]++;
                    }
                    events.add(new Event(now, ISSUE, e.slot));
                    if (!server.isEmpty()) {
                        serverFreeAt = now + service;
                        events.add(new Event(serverFreeAt, DONE, server.peek()));
                    }
                }
            }
        }
        double seconds = (end - from) / 1e9;
        return new double[] {done[0] / seconds, done[1] / seconds};
    }

    @Test
    void aCapacityAboveWhatTheNodeDeliversStarvesTheReservationWithoutAdaptation() {
        double[] r = run(new ReservationScheduler(CAPACITY, false));
        assertTrue(r[1] < 0.85 * RESERVED, "fixed shared rate: B " + r[1] + ", A " + r[0]);
    }

    @Test
    void theSharedRateAdaptsUntilTheReservationIsKept() {
        ReservationScheduler sched = new ReservationScheduler(CAPACITY);
        double[] r = run(sched);
        assertTrue(r[1] >= 0.95 * RESERVED, "B gets its reservation: B " + r[1] + ", A " + r[0]);
        assertTrue(r[0] >= 0.7 * (DELIVERED - RESERVED), "A keeps most of what is left: A " + r[0] + ", B " + r[1]);
        assertTrue(sched.sharedFactor() < 1, "adapted: " + sched.sharedFactor());
    }

    @Test
    void aServedReservationLeavesTheSharedRateAlone() {
        ReservationScheduler sched = new ReservationScheduler(CAPACITY);
        QosSlot b = new QosSlot(UUID.randomUUID(), "b");
        b.reservation = new TokenBucket(RESERVED, RESERVED * RateLimit.CATCH_UP_SECONDS, 0, 0);
        for (int s = 0; s <= 5; s++) {
            for (int i = 0; i < RESERVED; i++) {
                sched.admit(b, s * SECOND + i * (SECOND / (long) RESERVED)); // served at once: nothing queued
            }
            sched.tick(List.of(b), (s + 1) * SECOND);
        }
        assertEquals(1.0, sched.sharedFactor(), 1e-9);
        assertEquals(CAPACITY - RESERVED, sched.sharedRate(), 1e-9);
    }
}
