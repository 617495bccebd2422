package io.galleonfs.policy;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * GFS retention as a pure function, with restic's {@code forget} semantics: items are ordered newest first; each rule
 * walks that order independently and keeps the first item it meets in each new bucket (hour, day, ISO week, month,
 * year in the policy's time zone) until it has kept its count; keep-last keeps the first N. An item kept by several
 * rules is kept once and lists every reason. The newest item is always kept.
 */
public final class Retention {

    /** Something a policy created: {@code id} is how it is deleted, {@code time} the run's scheduled time. */
    public record Item(String id, Instant time) {
    }

    /** {@code keep} and {@code forget} partition the input; both are newest first. */
    public record Decision(List<Item> keep, List<Item> forget, Map<String, List<String>> reasons) {
    }

    private static final Comparator<Item> NEWEST_FIRST = Comparator.comparing(Item::time).reversed().thenComparing(Item::id);

    private Retention() {
    }

    public static Decision decide(List<Item> items, RetentionRule rule, ZoneId zone) {
        List<Item> sorted = new ArrayList<>(items);
        sorted.sort(NEWEST_FIRST);
        Map<String, List<String>> reasons = new LinkedHashMap<>();
        if (rule.keepsEverything()) {
            sorted.forEach(i -> reasons.put(i.id(), new ArrayList<>(List.of("no retention rule"))));
            return new Decision(sorted, List.of(), reasons);
        }
        for (int n = 0; n < Math.min(rule.keepLast(), sorted.size()); n++) {
            reasons.computeIfAbsent(sorted.get(n).id(), k -> new ArrayList<>()).add("last");
        }
        bucketed(sorted, rule.hourly(), "hourly", z -> z.toLocalDate() + "T" + z.getHour(), zone, reasons);
        bucketed(sorted, rule.daily(), "daily", z -> z.toLocalDate().toString(), zone, reasons);
        bucketed(sorted, rule.weekly(), "weekly", z -> z.get(IsoFields.WEEK_BASED_YEAR) + "-W" + z.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), zone, reasons);
        bucketed(sorted, rule.monthly(), "monthly", z -> z.getYear() + "-" + z.getMonthValue(), zone, reasons);
        bucketed(sorted, rule.yearly(), "yearly", z -> Integer.toString(z.getYear()), zone, reasons);
        if (!sorted.isEmpty()) {
            reasons.computeIfAbsent(sorted.getFirst().id(), k -> new ArrayList<>(List.of("newest")));
        }
        List<Item> keep = sorted.stream().filter(i -> reasons.containsKey(i.id())).toList();
        List<Item> forget = sorted.stream().filter(i -> !reasons.containsKey(i.id())).toList();
        return new Decision(keep, forget, reasons);
    }

    private static void bucketed(List<Item> newestFirst, int count, String reason, Function<ZonedDateTime, String> bucketOf,
                                 ZoneId zone, Map<String, List<String>> reasons) {
        String lastBucket = null;
        int left = count;
        for (Item item : newestFirst) {
            if (left == 0) {
                return;
            }
            String bucket = bucketOf.apply(item.time().atZone(zone));
            if (!bucket.equals(lastBucket)) {
                reasons.computeIfAbsent(item.id(), k -> new ArrayList<>()).add(reason);
                lastBucket = bucket;
                left--;
            }
        }
    }
}
