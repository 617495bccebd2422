package io.galleonfs.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetentionTest {

    private static List<Retention.Item> daily(String start, int days) {
        List<Retention.Item> items = new ArrayList<>();
        Instant t = Instant.parse(start);
        for (int i = 0; i < days; i++) {
            items.add(new Retention.Item("d" + i, t.plus(Duration.ofDays(i))));
        }
        return items;
    }

    private static List<String> ids(List<Retention.Item> items) {
        return items.stream().map(Retention.Item::id).toList();
    }

    @Test
    void seedPolicySevenDailyFourWeeklyThreeMonthly() {
        // 100 daily backups at 02:00 UTC from 2026-01-01 (Thursday) to 2026-04-10.
        Retention.Decision d = Retention.decide(daily("2026-01-01T02:00:00Z", 100), new RetentionRule(0, 7, 4, 3, 0, 0), ZoneOffset.UTC);
        // daily: d99..d93; weekly: newest of the last 4 ISO weeks: d99 (W15), d94 (Sun W14), d87 (W13), d80 (W12);
        // monthly: d99 (April), d89 (Mar 31), d58 (Feb 28).
        assertEquals(List.of("d99", "d98", "d97", "d96", "d95", "d94", "d93", "d89", "d87", "d80", "d58"), ids(d.keep()));
        assertEquals(List.of("daily", "weekly", "monthly"), d.reasons().get("d99"));
        assertEquals(100 - 11, d.forget().size());
    }

    @Test
    void keepLastKeepsTheNewest() {
        Retention.Decision d = Retention.decide(daily("2026-01-01T00:00:00Z", 5), new RetentionRule(0, 0, 0, 0, 0, 2), ZoneOffset.UTC);
        assertEquals(List.of("d4", "d3"), ids(d.keep()));
    }

    @Test
    void bucketsFollowThePolicyTimeZone() {
        // 23:30 UTC on two consecutive days is 00:30 the next day in Berlin; 22:30 UTC stays on the same Berlin day.
        List<Retention.Item> items = List.of(
                new Retention.Item("a", Instant.parse("2026-01-05T22:30:00Z")),
                new Retention.Item("b", Instant.parse("2026-01-05T23:30:00Z")));
        assertEquals(List.of("b"), ids(Retention.decide(items, new RetentionRule(0, 5, 0, 0, 0, 0), ZoneOffset.UTC).keep()));
        assertEquals(List.of("b", "a"), ids(Retention.decide(items, new RetentionRule(0, 5, 0, 0, 0, 0), ZoneId.of("Europe/Berlin")).keep()));
    }

    @Test
    void emptyRuleKeepsEverythingAndNegativeIsRefused() {
        assertEquals(3, Retention.decide(daily("2026-01-01T00:00:00Z", 3), new RetentionRule(0, 0, 0, 0, 0, 0), ZoneOffset.UTC).keep().size());
        assertThrows(IllegalArgumentException.class, () -> new RetentionRule(0, -1, 0, 0, 0, 0));
    }
}
