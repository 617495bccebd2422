package io.galleonfs.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties of {@link Retention#decide}, each checked on 500 generated cases (seeded, so a failure names a case that
 * reproduces): item times over three years across DST changes and month ends, often several per hour, in zones with
 * 1-hour, 30-minute and no DST shifts.
 */
class RetentionPropertyTest {
    private static final List<ZoneId> ZONES = List.of(ZoneId.of("UTC"), ZoneId.of("Europe/Berlin"), ZoneId.of("America/New_York"),
            ZoneId.of("Australia/Lord_Howe"), ZoneId.of("Asia/Kolkata"));
    private static final long BASE = Instant.parse("2025-01-01T00:00:00Z").getEpochSecond();

    record Case(long seed, List<Retention.Item> items, RetentionRule rule, ZoneId zone) {
        @Override
        public String toString() {
            return "seed " + seed + ": " + items.size() + " items, " + rule + ", " + zone;
        }
    }

    static List<Case> cases() {
        return LongStream.range(0, 500).mapToObj(RetentionPropertyTest::generate).toList();
    }

    private static Case generate(long seed) {
        Random r = new Random(seed);
        int n = r.nextInt(121);
        // Dense cases put every item into a few days, so buckets hold many items; sparse ones spread over 3 years.
        long span = r.nextBoolean() ? 3L * 365 * 86400 : 3L * 86400;
        List<Retention.Item> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            items.add(new Retention.Item("i" + i, Instant.ofEpochSecond(BASE + (long) (r.nextDouble() * span))));
        }
        RetentionRule rule = new RetentionRule(r.nextInt(9), r.nextInt(9), r.nextInt(9), r.nextInt(9), r.nextInt(9), r.nextInt(9));
        return new Case(seed, items, rule, ZONES.get(r.nextInt(ZONES.size())));
    }

    private static List<Retention.Item> newestFirst(List<Retention.Item> items) {
        List<Retention.Item> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparing(Retention.Item::time).reversed().thenComparing(Retention.Item::id));
        return sorted;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void neverRemovesTheNewest(Case c) {
        Retention.Decision d = Retention.decide(c.items(), c.rule(), c.zone());
        if (!c.items().isEmpty()) {
            assertTrue(d.keep().contains(newestFirst(c.items()).getFirst()), c.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void partitionsTheInput(Case c) {
        Retention.Decision d = Retention.decide(c.items(), c.rule(), c.zone());
        Set<Retention.Item> all = new HashSet<>(d.keep());
        all.addAll(d.forget());
        assertEquals(new HashSet<>(c.items()), all, c.toString());
        assertEquals(c.items().size(), d.keep().size() + d.forget().size(), c.toString());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void neverKeepsMoreThanAsked(Case c) {
        Retention.Decision d = Retention.decide(c.items(), c.rule(), c.zone());
        if (!c.rule().keepsEverything()) {
            assertTrue(d.keep().size() <= c.rule().maxKept(), d.keep().size() + " kept: " + c);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void keepsTheKeepLastNewest(Case c) {
        Retention.Decision d = Retention.decide(c.items(), c.rule(), c.zone());
        List<Retention.Item> sorted = newestFirst(c.items());
        assertTrue(d.keep().containsAll(sorted.subList(0, Math.min(c.rule().keepLast(), sorted.size()))), c.toString());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void isIdempotent(Case c) {
        Retention.Decision once = Retention.decide(c.items(), c.rule(), c.zone());
        Retention.Decision twice = Retention.decide(once.keep(), c.rule(), c.zone());
        assertEquals(once.keep(), twice.keep(), c.toString());
        assertTrue(twice.forget().isEmpty(), c.toString());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void eachBucketRuleKeepsDistinctLocalPeriods(Case c) {
        // Stable across DST changes and month ends: a daily-only rule keeps items on distinct local dates, as many as
        // there are distinct dates (up to its count).
        RetentionRule dailyOnly = new RetentionRule(0, c.rule().daily() + 1, 0, 0, 0, 0);
        Retention.Decision d = Retention.decide(c.items(), dailyOnly, c.zone());
        Set<LocalDate> days = new HashSet<>();
        d.keep().forEach(i -> assertTrue(days.add(i.time().atZone(c.zone()).toLocalDate()), "two kept on one day: " + c));
        long distinct = c.items().stream().map(i -> i.time().atZone(c.zone()).toLocalDate()).distinct().count();
        assertEquals(Math.min(distinct, dailyOnly.daily()), d.keep().size(), c.toString());
    }
}
