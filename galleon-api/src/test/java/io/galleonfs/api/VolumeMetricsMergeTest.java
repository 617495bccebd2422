package io.galleonfs.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class VolumeMetricsMergeTest {

    private static VolumeMetrics.Window window(double iops, double p99) {
        return new VolumeMetrics.Window(1, iops, iops / 2, 1, 0, 2, 3, 0.5,
                new VolumeMetrics.Latency(p99 / 4, p99, p99 * 2), new VolumeMetrics.Latency(1, p99 + 1, p99 + 2));
    }

    private static VolumeMetrics on(String node, String id, double iops, double p99, long reads, long inflight) {
        return new VolumeMetrics("db", id, "default", node, 1000 + reads, inflight, window(iops, p99), window(iops / 10, p99),
                new VolumeMetrics.Totals(reads, 2 * reads, 1, 1, 4096 * reads, 8192 * reads, 0, 1, 0, 0, 0));
    }

    @Test
    void ratesAndTotalsAddUpAndPercentilesTakeTheUpperBound() {
        VolumeMetrics m = VolumeMetricsMerge.merge(List.of(on("a", "v1", 100, 2, 10, 3), on("b", "v1", 50, 8, 5, 1)));
        assertEquals("2 nodes", m.node());
        assertEquals(4, m.inflight());
        assertEquals(150, m.lastSecond().readIops(), 1e-9);
        assertEquals(75, m.lastSecond().writeIops(), 1e-9);
        assertEquals(4, m.lastSecond().readMbPerSecond(), 1e-9);
        assertEquals(1.0, m.lastSecond().errorsPerSecond(), 1e-9);
        assertEquals(8, m.lastSecond().readLatency().p99Ms(), 1e-9);
        assertEquals(16, m.lastSecond().readLatency().p999Ms(), 1e-9);
        assertEquals(2, m.lastSecond().readLatency().p50Ms(), 1e-9);
        assertEquals(15, m.lastTenSeconds().readIops(), 1e-9);
        assertEquals(15, m.totals().reads());
        assertEquals(30, m.totals().writes());
        assertEquals(4096 * 15, m.totals().readBytes());
        assertEquals(2, m.totals().readErrors());
        assertEquals(1010, m.timestampMillis());
    }

    @Test
    void oneNodeIsReturnedAsIsAndOtherVolumesAreRefused() {
        VolumeMetrics one = on("a", "v1", 1, 1, 1, 0);
        assertSame(one, VolumeMetricsMerge.merge(List.of(one)));
        assertThrows(IllegalArgumentException.class, () -> VolumeMetricsMerge.merge(List.of(one, on("b", "v2", 1, 1, 1, 0))));
        assertThrows(IllegalArgumentException.class, () -> VolumeMetricsMerge.merge(List.of()));
    }

    @Test
    void listsFromSeveralNodesMergePerVolume() {
        List<VolumeMetrics> all = VolumeMetricsMerge.mergeAll(List.of(
                List.of(on("a", "v1", 100, 1, 1, 0), on("a", "v2", 10, 1, 1, 0)),
                List.of(on("b", "v1", 100, 1, 1, 0))));
        assertEquals(2, all.size());
        VolumeMetrics v1 = all.stream().filter(m -> m.volumeId().equals("v1")).findFirst().orElseThrow();
        assertEquals(200, v1.lastSecond().readIops(), 1e-9);
        assertEquals("a", all.stream().filter(m -> m.volumeId().equals("v2")).findFirst().orElseThrow().node());
    }

    @Test
    void readCacheRatesAddUpAndTheRatioIsRecomputedFromTheSums() {
        VolumeMetrics.Latency l = new VolumeMetrics.Latency(0, 0, 0);
        VolumeMetrics.Window cached = new VolumeMetrics.Window(1, 100, 0, 0, 0, 1, 0, 0, l, l, 90, 10, 0.9);
        VolumeMetrics.Window plain = new VolumeMetrics.Window(1, 100, 0, 0, 0, 1, 0, 0, l, l);
        VolumeMetrics.Window cold = new VolumeMetrics.Window(1, 100, 0, 0, 0, 1, 0, 0, l, l, 0, 100, 0.0);
        VolumeMetrics.Totals t = new VolumeMetrics.Totals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        VolumeMetrics m = VolumeMetricsMerge.merge(List.of(new VolumeMetrics("db", "v1", "default", "a", 1, 0, cached, plain, t),
                new VolumeMetrics("db", "v1", "default", "b", 1, 0, cold, plain, t)));
        assertEquals(90, m.lastSecond().readCacheHitsPerSecond(), 1e-9);
        assertEquals(110, m.lastSecond().readCacheMissesPerSecond(), 1e-9);
        assertEquals(0.45, m.lastSecond().readCacheHitRatio(), 1e-9);
        assertEquals(null, m.lastTenSeconds().readCacheHitRatio(), "no cached-path reads: no ratio");
    }
}
