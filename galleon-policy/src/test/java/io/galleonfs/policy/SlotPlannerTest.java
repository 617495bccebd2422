package io.galleonfs.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SlotPlannerTest {
    private static final CronSchedule HOURLY = CronSchedule.parse("0 * * * *", ZoneOffset.UTC);

    @Test
    void nothingDueBeforeTheFirstFiring() {
        SlotPlanner.Plan p = SlotPlanner.plan(HOURLY, Instant.parse("2026-01-01T10:00:00Z"), Instant.parse("2026-01-01T10:59:59Z"), null);
        assertEquals(Optional.empty(), p.run());
        assertEquals(0, p.missedCount());
        assertEquals(Optional.of(Instant.parse("2026-01-01T11:00:00Z")), p.nextFire());
    }

    @Test
    void dueFiringRunsOnTime() {
        SlotPlanner.Plan p = SlotPlanner.plan(HOURLY, Instant.parse("2026-01-01T10:00:00Z"), Instant.parse("2026-01-01T11:00:00.300Z"),
                Duration.ofMinutes(5));
        assertEquals(Optional.of(Instant.parse("2026-01-01T11:00:00Z")), p.run());
        assertEquals(0, p.missedCount());
    }

    @Test
    void afterAnOutageOnlyTheLatestRunsWithinTheDeadline() {
        SlotPlanner.Plan p = SlotPlanner.plan(HOURLY, Instant.parse("2026-01-01T10:00:00Z"), Instant.parse("2026-01-01T14:03:00Z"),
                Duration.ofMinutes(5));
        assertEquals(Optional.of(Instant.parse("2026-01-01T14:00:00Z")), p.run());
        assertEquals(3, p.missedCount());
        assertEquals(Optional.of(Instant.parse("2026-01-01T11:00:00Z")), p.firstMissed());
        assertEquals(Optional.of(Instant.parse("2026-01-01T13:00:00Z")), p.lastMissed());
    }

    @Test
    void tooLateFiringsAreAllMissed() {
        SlotPlanner.Plan p = SlotPlanner.plan(HOURLY, Instant.parse("2026-01-01T10:00:00Z"), Instant.parse("2026-01-01T14:06:00Z"),
                Duration.ofMinutes(5));
        assertEquals(Optional.empty(), p.run());
        assertEquals(4, p.missedCount());
        assertEquals(Optional.of(Instant.parse("2026-01-01T14:00:00Z")), p.lastMissed());
        assertEquals(Optional.of(Instant.parse("2026-01-01T15:00:00Z")), p.nextFire());
    }

    @Test
    void noDeadlineMeansTheLatestAlwaysRuns() {
        SlotPlanner.Plan p = SlotPlanner.plan(HOURLY, Instant.parse("2026-01-01T10:00:00Z"), Instant.parse("2026-01-02T09:59:00Z"), null);
        assertEquals(Optional.of(Instant.parse("2026-01-02T09:00:00Z")), p.run());
        assertEquals(22, p.missedCount());
    }

    @Test
    void aVeryLongOutageOfAPerSecondScheduleStaysCheap() {
        CronSchedule everySecond = CronSchedule.parse("* * * * * ?", ZoneOffset.UTC);
        SlotPlanner.Plan p = SlotPlanner.plan(everySecond, Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-10T00:00:00.5Z"),
                Duration.ofSeconds(10));
        assertEquals(Optional.of(Instant.parse("2026-01-10T00:00:00Z")), p.run());
        assertEquals(SlotPlanner.MAX_COUNTED, p.missedCount() + 1);
    }
}
