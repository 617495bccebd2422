package io.galleonfs.node.meta;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A backup or snapshot policy as stored in cluster metadata, validated and normalised ({@code PolicyService}).
 * {@code lastScheduledForMillis} is the watermark of firings handled (claimed or recorded as missed): a firing at or
 * before it can never be claimed again, which is what makes scheduled runs exactly-once across schedulers.
 */
public record PolicyRecord(
        UUID id,
        String name,
        String schedule,
        String timezone,
        String kind,
        String target,
        String strategy,
        String consistency,
        int hourly,
        int daily,
        int weekly,
        int monthly,
        int yearly,
        int keepLast,
        List<String> volumes,
        Map<String, String> labels,
        String concurrency,
        Long startingDeadlineSeconds,
        boolean suspended,
        long createdAtMillis,
        long lastScheduledForMillis,
        String selectorNamespace,
        io.galleonfs.api.PolicyHook preHook,
        io.galleonfs.api.PolicyHook postHook) {

    public PolicyRecord {
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** A policy whose selector names no namespace. */
    public PolicyRecord(UUID id, String name, String schedule, String timezone, String kind, String target, String strategy,
                        String consistency, int hourly, int daily, int weekly, int monthly, int yearly, int keepLast, List<String> volumes,
                        Map<String, String> labels, String concurrency, Long startingDeadlineSeconds, boolean suspended,
                        long createdAtMillis, long lastScheduledForMillis) {
        this(id, name, schedule, timezone, kind, target, strategy, consistency, hourly, daily, weekly, monthly, yearly, keepLast, volumes,
                labels, concurrency, startingDeadlineSeconds, suspended, createdAtMillis, lastScheduledForMillis, null, null, null);
    }

    public PolicyRecord withSuspended(boolean value) {
        return new PolicyRecord(id, name, schedule, timezone, kind, target, strategy, consistency, hourly, daily, weekly, monthly,
                yearly, keepLast, volumes, labels, concurrency, startingDeadlineSeconds, value, createdAtMillis, lastScheduledForMillis,
                selectorNamespace, preHook, postHook);
    }

    public PolicyRecord withName(String newName) {
        return new PolicyRecord(id, newName, schedule, timezone, kind, target, strategy, consistency, hourly, daily, weekly, monthly,
                yearly, keepLast, volumes, labels, concurrency, startingDeadlineSeconds, suspended, createdAtMillis, lastScheduledForMillis,
                selectorNamespace, preHook, postHook);
    }

    public PolicyRecord withWatermark(long millis) {
        return new PolicyRecord(id, name, schedule, timezone, kind, target, strategy, consistency, hourly, daily, weekly, monthly,
                yearly, keepLast, volumes, labels, concurrency, startingDeadlineSeconds, suspended, createdAtMillis, millis, selectorNamespace,
                preHook, postHook);
    }
}
