package io.galleonfs.node.volume.metrics;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Rates of the replica operations this node applied, per volume, over the last sampled second: the applier keeps
 * cumulative counts, and {@link #tick} (once a second, with the volume meters) turns the difference into rates, so a
 * report only reads the last result. Every volume that had any apply since the start is listed, with its totals.
 */
public final class ApplyRates {
    /** Operations and bytes a second, and in total. */
    public record Rate(double opsPerSecond, double bytesPerSecond, long opsTotal, long bytesTotal) {
    }

    private final Supplier<Map<UUID, long[]>> totals;
    private Map<UUID, long[]> previous = Map.of();
    private long previousNanos = Long.MIN_VALUE;
    private volatile Map<UUID, Rate> rates = Map.of();

    /** @param totals per volume {operations, bytes} applied since the start (cumulative) */
    public ApplyRates(Supplier<Map<UUID, long[]>> totals) {
        this.totals = totals;
    }

    /** Samples the counts; called by one thread about once a second. */
    public synchronized void tick(long nowNanos) {
        Map<UUID, long[]> now = totals.get();
        if (previousNanos != Long.MIN_VALUE && nowNanos > previousNanos) {
            double seconds = (nowNanos - previousNanos) / 1e9;
            Map<UUID, Rate> out = new HashMap<>();
            now.forEach((id, t) -> {
                long[] before = previous.getOrDefault(id, new long[2]);
                out.put(id, new Rate(Math.max(0, t[0] - before[0]) / seconds, Math.max(0, t[1] - before[1]) / seconds, t[0], t[1]));
            });
            rates = Map.copyOf(out);
        }
        previous = now;
        previousNanos = nowNanos;
    }

    /** The rates of the last sampled second. */
    public Map<UUID, Rate> rates() {
        return rates;
    }
}
