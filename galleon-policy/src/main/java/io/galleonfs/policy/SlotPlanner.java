package io.galleonfs.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Which firing to start now, Kubernetes CronJob style: of the fire times after the last one handled ({@code watermark})
 * up to now, only the latest may run, and only if it is at most {@code startingDeadline} old; every other one is missed.
 * So a scheduler that was down runs a policy once when it comes back, never a burst of catch-up runs.
 */
public final class SlotPlanner {
    /** Counting missed firings stops here; a per-second schedule down for days reports "at least" this many. */
    static final long MAX_COUNTED = 100_000;

    /**
     * @param run          the firing to claim now, if any
     * @param missedCount  how many firings before it (or all, when none is run) are missed
     * @param firstMissed  the earliest missed firing, if any
     * @param lastMissed   the latest missed firing, if any
     * @param nextFire     the first firing after {@code now}
     */
    public record Plan(Optional<Instant> run, long missedCount, Optional<Instant> firstMissed, Optional<Instant> lastMissed,
                       Optional<Instant> nextFire) {
    }

    private SlotPlanner() {
    }

    /**
     * @param watermark        the latest firing already claimed or recorded as missed (or when the policy was created)
     * @param startingDeadline how late a firing may start; null means any lateness is allowed
     */
    public static Plan plan(CronSchedule schedule, Instant watermark, Instant now, Duration startingDeadline) {
        Optional<Instant> cursor = schedule.nextAfter(watermark);
        Instant first = null;
        Instant previous = null;
        Instant latest = null;
        long due = 0;
        while (cursor.isPresent() && !cursor.get().isAfter(now)) {
            if (first == null) {
                first = cursor.get();
            }
            previous = latest;
            latest = cursor.get();
            due++;
            if (due >= MAX_COUNTED) {
                // Jump: count no further, but the latest due firing is what matters for the decision.
                Instant jump = now.minusNanos(1);
                Optional<Instant> tail = schedule.nextAfter(jump.minus(Duration.ofDays(1)).isAfter(latest) ? jump.minus(Duration.ofDays(1)) : latest);
                while (tail.isPresent() && !tail.get().isAfter(now)) {
                    previous = latest;
                    latest = tail.get();
                    tail = schedule.nextAfter(latest);
                }
                cursor = tail;
                break;
            }
            cursor = schedule.nextAfter(latest);
        }
        Optional<Instant> next = cursor.filter(c -> c.isAfter(now)).or(() -> schedule.nextAfter(now));
        if (latest == null) {
            return new Plan(Optional.empty(), 0, Optional.empty(), Optional.empty(), next);
        }
        boolean inTime = startingDeadline == null || !Duration.between(latest, now).minus(startingDeadline).isPositive();
        if (inTime) {
            long missed = due - 1;
            return new Plan(Optional.of(latest), missed, missed > 0 ? Optional.of(first) : Optional.empty(),
                    missed > 0 ? Optional.ofNullable(previous) : Optional.empty(), next);
        }
        return new Plan(Optional.empty(), due, Optional.of(first), Optional.of(latest), next);
    }
}
