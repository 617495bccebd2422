package io.galleonfs.node.volume.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.VolumeMetrics;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class VolumeMetricsReportTest {

    @Test
    void windowsGiveRatesAndPercentilesOfTheirSecondsOnly() {
        VolumeMeter m = new VolumeMeter(UUID.randomUUID(), "db");
        long t0 = 1_000_000_000L;
        m.tick(t0);
        // Second one: 100 slow writes of 1 MB each.
        for (int i = 0; i < 100; i++) {
            m.succeeded(IoOp.WRITE, m.begin() - 8_000_000, 1_000_000);
        }
        m.tick(t0 + 1_000_000_000L);
        // Second two: 400 fast 4 KiB reads, no writes.
        for (int i = 0; i < 400; i++) {
            m.succeeded(IoOp.READ, m.begin() - 50_000, 4096);
        }
        m.begin();
        m.failed(IoOp.READ);
        m.begin();
        m.tick(t0 + 2_000_000_000L);

        VolumeMetrics r = VolumeMetricsReport.of(m, "node-1", 0);
        assertEquals(1, r.inflight());
        VolumeMetrics.Window last = r.lastSecond();
        assertEquals(1.0, last.seconds());
        assertEquals(400, last.readIops());
        assertEquals(0, last.writeIops());
        assertEquals(1.638, last.readMbPerSecond());
        assertEquals(1, last.errorsPerSecond());
        assertTrue(last.readLatency().p99Ms() >= 0.04 && last.readLatency().p99Ms() < 0.07, last.readLatency().toString());
        assertEquals(0, last.writeLatency().p99Ms());

        VolumeMetrics.Window ten = r.lastTenSeconds();
        assertEquals(2.0, ten.seconds());
        assertEquals(200, ten.readIops());
        assertEquals(50, ten.writeIops());
        assertEquals(50, ten.writeMbPerSecond());
        assertTrue(ten.writeLatency().p50Ms() >= 7 && ten.writeLatency().p50Ms() < 9.5, ten.writeLatency().toString());
        assertEquals(400, r.totals().reads());
        assertEquals(100_000_000, r.totals().writeBytes());
        assertEquals(1, r.totals().readErrors());
    }

    @Test
    void beforeTwoSamplesTheWindowsAreEmpty() {
        VolumeMeter m = new VolumeMeter(UUID.randomUUID(), "db");
        m.succeeded(IoOp.READ, m.begin(), 1);
        m.tick(5);
        VolumeMetrics r = VolumeMetricsReport.of(m, "n", 0);
        assertEquals(0, r.lastSecond().seconds());
        assertEquals(1, r.totals().reads());
    }

    @Test
    void idleSecondsShareTheirSampleAndReadAsZero() {
        VolumeMeter m = new VolumeMeter(UUID.randomUUID(), "db");
        m.succeeded(IoOp.READ, m.begin(), 1);
        for (int s = 0; s < 12; s++) {
            m.tick(s * 1_000_000_000L);
        }
        assertTrue(m.history().latest().latency() == m.history().before(1).latency());
        assertEquals(0, VolumeMetricsReport.of(m, "n", 0).lastTenSeconds().readIops());
        assertEquals(10.0, VolumeMetricsReport.of(m, "n", 0).lastTenSeconds().seconds());
    }

    @Test
    void readCacheHitRatioIsPerWindowAndAbsentWithoutCachedReads() {
        long[] cache = {0, 0};
        VolumeMeters meters = new VolumeMeters();
        meters.readCacheFrom(id -> new io.galleonfs.engine.ReadCacheStats(cache[0], cache[1]));
        UUID id = UUID.randomUUID();
        cache[0] = 500; // hits before the meter existed are not in any window
        VolumeMeter m = meters.meterFor(new io.galleonfs.node.meta.VolumeRecord(id, "db",
                io.galleonfs.api.VolumeType.PERSISTENT, 1L << 30, 4096, "fast-local-ssd", 1,
                io.galleonfs.api.AccessMode.READ_WRITE_ONCE, false, 0, "node-1", java.util.List.of(),
                java.util.List.of("node-1"), 1, java.util.Map.of(), "default"));
        long t0 = System.nanoTime() + 1_000_000_000L;
        meters.tick(t0);
        // Second one: 30 hits, 10 misses.
        m.succeeded(IoOp.READ, m.begin(), 4096);
        cache[0] += 30;
        cache[1] += 10;
        meters.tick(t0 + 1_000_000_000L);
        VolumeMetrics.Window first = VolumeMetricsReport.of(m, "n", 0).lastSecond();
        assertEquals(30, first.readCacheHitsPerSecond());
        assertEquals(10, first.readCacheMissesPerSecond());
        assertEquals(0.75, first.readCacheHitRatio());
        // Second two: no reads through the cache: no ratio for the second, the ten-second window keeps the first's.
        meters.tick(t0 + 2_000_000_000L);
        VolumeMetrics r = VolumeMetricsReport.of(m, "n", 0);
        assertEquals(null, r.lastSecond().readCacheHitRatio());
        assertEquals(0.75, r.lastTenSeconds().readCacheHitRatio());
        // The ten-second window reaches back to the meter's creation: its 30 hits are spread over its seconds.
        assertEquals(30, r.lastTenSeconds().readCacheHitsPerSecond() * r.lastTenSeconds().seconds(), 0.1);
    }

    @Test
    void plainVolumesHaveNoRatio() {
        VolumeMeter m = new VolumeMeter(UUID.randomUUID(), "db");
        m.tick(0);
        m.succeeded(IoOp.READ, m.begin(), 4096);
        m.tick(1_000_000_000L);
        assertEquals(null, VolumeMetricsReport.of(m, "n", 0).lastSecond().readCacheHitRatio());
    }
}
