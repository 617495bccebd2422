package io.galleonfs.node.volume.metrics;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The latency of one op in the few fixed buckets Prometheus gets (plus the sum it needs for averages). The fine-grained
 * {@link LatencyHistogram} stays the source of the percentiles the API and CLI report; this one exists because a
 * Prometheus histogram is one series per bucket per volume, so with a thousand volumes it must have very few buckets.
 * Recording is a few comparisons and two lock-free increments.
 */
public final class ExportedLatency {
    /**
     * Upper bounds in nanoseconds: local reads land in the first, durable and replicated writes in the middle, stalls in
     * the last two. With +Inf, six buckets plus {@code _count} and {@code _sum}: eight series per volume and op.
     */
    public static final long[] BOUNDS_NANOS = {250_000, 1_000_000, 5_000_000, 25_000_000, 250_000_000};
    /** {@link #BOUNDS_NANOS} as Prometheus {@code le} label values (seconds), then "+Inf". */
    public static final String[] LE = {"0.00025", "0.001", "0.005", "0.025", "0.25", "+Inf"};

    private final AtomicLongArray counts = new AtomicLongArray(BOUNDS_NANOS.length + 1);
    private final LongAdder sumNanos = new LongAdder();

    public void record(long nanos) {
        int i = 0;
        while (i < BOUNDS_NANOS.length && nanos > BOUNDS_NANOS[i]) {
            i++;
        }
        counts.incrementAndGet(i);
        sumNanos.add(nanos);
    }

    /** Cumulative counts per {@link #LE} entry (the last is the total), as Prometheus buckets are. */
    public long[] cumulative() {
        long[] c = new long[LE.length];
        long n = 0;
        for (int i = 0; i < c.length; i++) {
            n += counts.get(i);
            c[i] = n;
        }
        return c;
    }

    public double sumSeconds() {
        return sumNanos.sum() / 1e9;
    }
}
