package io.galleonfs.node.volume.metrics;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A compact, HDR-like latency histogram: four linear sub-buckets per power of two from 1 µs to about 17 s, so a bucket is
 * at most a quarter of its lower bound wide and a percentile read at the bucket's middle is within about 12% of the true
 * value. Recording is one array increment (no lock, no allocation); the counts are cumulative and only ever grow, so a
 * window's histogram is the difference of two copies taken at its ends.
 */
public final class LatencyHistogram {
    /** Below 2^10 ns (1 µs) everything falls into bucket 0. */
    private static final int MIN_EXPONENT = 10;
    /** At and above 2^34 ns (about 17 s) everything falls into the last bucket. */
    private static final int MAX_EXPONENT = 34;
    private static final int SUB_BITS = 2;
    private static final int SUB_BUCKETS = 1 << SUB_BITS;
    public static final int BUCKETS = (MAX_EXPONENT - MIN_EXPONENT) * SUB_BUCKETS + 2;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    public void record(long nanos) {
        counts.incrementAndGet(bucketOf(nanos));
    }

    /** Copies the cumulative counts into {@code into} (length {@link #BUCKETS}). */
    public void copyCounts(long[] into) {
        for (int i = 0; i < BUCKETS; i++) {
            into[i] = counts.get(i);
        }
    }

    static int bucketOf(long nanos) {
        if (nanos < (1L << MIN_EXPONENT)) {
            return 0;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(nanos);
        if (exponent >= MAX_EXPONENT) {
            return BUCKETS - 1;
        }
        int sub = (int) (nanos >>> (exponent - SUB_BITS)) & (SUB_BUCKETS - 1);
        return 1 + (exponent - MIN_EXPONENT) * SUB_BUCKETS + sub;
    }

    /** Lowest latency (ns) that falls into bucket {@code i}. */
    static long lowerBound(int i) {
        if (i == 0) {
            return 0;
        }
        if (i == BUCKETS - 1) {
            return 1L << MAX_EXPONENT;
        }
        int exponent = MIN_EXPONENT + (i - 1) / SUB_BUCKETS;
        int sub = (i - 1) % SUB_BUCKETS;
        return (1L << exponent) + ((long) sub << (exponent - SUB_BITS));
    }

    /**
     * The {@code quantile} (0..1) of a histogram given as bucket counts, in nanoseconds, read at the middle of the bucket
     * that holds it; 0 when the histogram is empty.
     */
    public static double percentileNanos(long[] counts, double quantile) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total == 0) {
            return 0;
        }
        // The rank of the sample at this quantile (1-based), so p100 is the last sample and p0 the first.
        long rank = Math.max(1, (long) Math.ceil(quantile * total));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                long lo = lowerBound(i);
                long hi = i == BUCKETS - 1 ? lo : lowerBound(i + 1);
                return (lo + hi) / 2.0;
            }
        }
        return lowerBound(BUCKETS - 1);
    }
}
