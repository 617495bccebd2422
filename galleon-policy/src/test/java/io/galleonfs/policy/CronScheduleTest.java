package io.galleonfs.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CronScheduleTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static Instant next(String cron, ZoneId zone, String after) {
        return CronSchedule.parse(cron, zone).nextAfter(Instant.parse(after)).orElseThrow();
    }

    @Test
    void seedDailyAtTwoInUtc() {
        assertEquals(Instant.parse("2026-03-02T02:00:00Z"), next("0 2 * * *", ZoneOffset.UTC, "2026-03-01T02:00:00Z"));
        assertEquals(Instant.parse("2026-03-01T02:00:00Z"), next("0 2 * * *", ZoneOffset.UTC, "2026-03-01T01:59:59Z"));
    }

    @Test
    void sixFieldsHaveSeconds() {
        assertEquals(Instant.parse("2026-03-01T00:00:02Z"), next("*/2 * * * * ?", ZoneOffset.UTC, "2026-03-01T00:00:00Z"));
        assertEquals(Instant.parse("2026-03-01T00:00:04Z"), next("*/2 * * * * ?", ZoneOffset.UTC, "2026-03-01T00:00:03.5Z"));
    }

    @Test
    void namesRangesListsAndMacros() {
        // Monday to Friday at 09:30: from Friday 10:00 the next is Monday.
        assertEquals(Instant.parse("2026-03-09T09:30:00Z"), next("30 9 * * MON-FRI", ZoneOffset.UTC, "2026-03-06T10:00:00Z"));
        assertEquals(Instant.parse("2026-04-01T00:00:00Z"), next("@monthly", ZoneOffset.UTC, "2026-03-06T10:00:00Z"));
        assertEquals(Instant.parse("2026-03-06T11:00:00Z"), next("@hourly", ZoneOffset.UTC, "2026-03-06T10:00:00Z"));
        assertEquals(Instant.parse("2026-06-15T00:00:00Z"), next("0 0 15 jun,dec *", ZoneOffset.UTC, "2026-03-06T10:00:00Z"));
        // Sunday written as 7.
        assertEquals(Instant.parse("2026-03-08T00:00:00Z"), next("0 0 * * 7", ZoneOffset.UTC, "2026-03-06T10:00:00Z"));
    }

    @Test
    void bothDayFieldsRestrictedMatchEither() {
        // The 13th or any Friday: from Wed 2026-03-11, Friday the 13th comes first... and Thursday the 12th does not match.
        assertEquals(Instant.parse("2026-03-13T00:00:00Z"), next("0 0 13 * 5", ZoneOffset.UTC, "2026-03-11T00:00:00Z"));
        assertEquals(Instant.parse("2026-03-20T00:00:00Z"), next("0 0 13 * 5", ZoneOffset.UTC, "2026-03-13T00:00:00Z"));
    }

    @Test
    void localTimeInTheSpringGapFiresOnceShiftedByTheGap() {
        // Europe/Berlin skips 02:00-03:00 on 2026-03-29; the 02:30 job runs at 03:30 local (01:30 UTC), once that day.
        assertEquals(Instant.parse("2026-03-29T01:30:00Z"), next("30 2 * * *", BERLIN, "2026-03-28T12:00:00Z"));
        assertEquals(Instant.parse("2026-03-30T00:30:00Z"), next("30 2 * * *", BERLIN, "2026-03-29T01:30:00Z"));
    }

    @Test
    void localTimeInTheAutumnOverlapFiresOnce() {
        // Europe/Berlin repeats 02:00-03:00 on 2026-10-25: 02:30 fires at its first occurrence (00:30 UTC) only.
        assertEquals(Instant.parse("2026-10-25T00:30:00Z"), next("30 2 * * *", BERLIN, "2026-10-24T12:00:00Z"));
        assertEquals(Instant.parse("2026-10-26T01:30:00Z"), next("30 2 * * *", BERLIN, "2026-10-25T00:30:00Z"));
    }

    @Test
    void fireTimesStrictlyIncreaseThroughTransitions() {
        CronSchedule every15 = CronSchedule.parse("*/15 * * * *", BERLIN);
        List<Instant> fires = new ArrayList<>();
        Instant t = Instant.parse("2026-03-28T22:00:00Z");
        while (t.isBefore(Instant.parse("2026-03-29T04:00:00Z"))) {
            t = every15.nextAfter(t).orElseThrow();
            fires.add(t);
        }
        for (int i = 1; i < fires.size(); i++) {
            assertTrue(fires.get(i).isAfter(fires.get(i - 1)), fires.toString());
        }
        // 6 hours of real time, every 15 minutes: the skipped local hour loses no real-time slot.
        assertEquals(24, fires.size(), fires.toString());
    }

    @Test
    void badExpressionsAreRefusedWithTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("61 * * * *", ZoneOffset.UTC));
        assertTrue(e.getMessage().contains("minute 61 is outside 0-59"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("* * *", ZoneOffset.UTC));
        assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("0 0 30 2 *", ZoneOffset.UTC));
        assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("0 0 * * FOO", ZoneOffset.UTC));
        assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("5-1 * * * *", ZoneOffset.UTC));
        assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("*/0 * * * *", ZoneOffset.UTC));
        assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("", ZoneOffset.UTC));
    }
}
