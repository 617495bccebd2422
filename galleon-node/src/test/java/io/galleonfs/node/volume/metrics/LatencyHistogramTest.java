package io.galleonfs.node.volume.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    private static long[] counts(LatencyHistogram h) {
        long[] c = new long[LatencyHistogram.BUCKETS];
        h.copyCounts(c);
        return c;
    }

    private static void assertNear(double expected, double actual) {
        // A bucket is a quarter of its lower bound wide; reading its middle is within 12.5% of any value in it.
        assertTrue(Math.abs(actual - expected) <= expected * 0.125, "expected about " + expected + " but was " + actual);
    }

    @Test
    void percentilesOfKnownLatencies() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 1; i <= 1000; i++) {
            h.record(i * 1000L);
        }
        long[] c = counts(h);
        assertNear(500_000, LatencyHistogram.percentileNanos(c, 0.50));
        assertNear(990_000, LatencyHistogram.percentileNanos(c, 0.99));
        assertNear(999_000, LatencyHistogram.percentileNanos(c, 0.999));
    }

    @Test
    void aRareSlowOperationShowsInTheTailOnly() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 0; i < 998; i++) {
            h.record(80_000);
        }
        h.record(5_000_000);
        h.record(5_000_000);
        long[] c = counts(h);
        assertNear(80_000, LatencyHistogram.percentileNanos(c, 0.50));
        assertNear(80_000, LatencyHistogram.percentileNanos(c, 0.99));
        assertNear(5_000_000, LatencyHistogram.percentileNanos(c, 0.999));
    }

    @Test
    void emptyIsZeroAndExtremesAreClamped() {
        LatencyHistogram h = new LatencyHistogram();
        assertEquals(0, LatencyHistogram.percentileNanos(counts(h), 0.99));
        h.record(0);
        h.record(Long.MAX_VALUE);
        long[] c = counts(h);
        assertEquals(1, c[0]);
        assertEquals(1, c[LatencyHistogram.BUCKETS - 1]);
    }

    @Test
    void everyValueFallsIntoTheBucketThatHoldsIt() {
        for (long v = 1; v < (1L << 36); v = v * 3 / 2 + 1) {
            int b = LatencyHistogram.bucketOf(v);
            assertTrue(LatencyHistogram.lowerBound(b) <= v, "lower bound of " + v);
            if (b < LatencyHistogram.BUCKETS - 1) {
                assertTrue(v < LatencyHistogram.lowerBound(b + 1), "upper bound of " + v);
            }
        }
    }
}
