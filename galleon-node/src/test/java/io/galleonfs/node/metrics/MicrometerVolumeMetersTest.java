package io.galleonfs.node.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.volume.metrics.IoOp;
import io.galleonfs.node.volume.metrics.VolumeMeter;
import io.galleonfs.node.volume.metrics.VolumeMeters;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The Prometheus series of volume meters, and what a scrape costs with a thousand volumes. */
class MicrometerVolumeMetersTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final VolumeMeters meters = new VolumeMeters();

    {
        meters.addListener(new MicrometerVolumeMeters(registry));
    }

    private static VolumeRecord volume(String name) {
        return new VolumeRecord(UUID.randomUUID(), name, VolumeType.PERSISTENT, 1L << 30, 4096, "fast-local-ssd", 1,
                AccessMode.READ_WRITE_ONCE, false, 0, "node-1", List.of(), List.of("node-1"), 1, null);
    }

    @Test
    void seriesCarryTheVolumeAndItsCounts() {
        VolumeRecord v = volume("db-data");
        VolumeMeter m = meters.meterFor(v);
        m.succeeded(IoOp.WRITE, m.begin() - 2_000_000, 8192);
        m.succeeded(IoOp.WRITE, m.begin() - 2_000_000, 8192);
        m.succeeded(IoOp.READ, m.begin() - 50_000, 4096);
        m.begin();
        m.failed(IoOp.READ);
        String text = registry.scrape();
        String labels = "namespace=\"default\",op=\"write\",volume=\"db-data\",volume_id=\"" + v.id() + "\"";
        assertTrue(text.contains("galleon_volume_io_operations_total{" + labels + ",} 2.0"), text);
        assertTrue(text.contains("galleon_volume_io_bytes_total{" + labels + ",} 16384.0"), text);
        assertTrue(text.contains("galleon_volume_io_latency_seconds_bucket{" + labels + ",le=\"0.005\",} 2.0"), text);
        assertTrue(text.contains("galleon_volume_io_latency_seconds_bucket{" + labels + ",le=\"0.001\",} 0.0"), text);
        String volume = "namespace=\"default\",volume=\"db-data\",volume_id=\"" + v.id() + "\"";
        assertTrue(text.contains("galleon_volume_io_errors_total{" + volume + ",} 1.0"), text);
        assertTrue(text.contains("galleon_volume_io_inflight{" + volume + ",} 0.0"), text);
    }

    @Test
    void deletedVolumesLoseTheirSeries() {
        VolumeRecord keep = volume("keep");
        VolumeRecord gone = volume("gone");
        meters.meterFor(keep);
        meters.meterFor(gone);
        meters.retain(Set.of(keep.id()));
        String text = registry.scrape();
        assertTrue(text.contains("volume=\"keep\""));
        assertFalse(text.contains("volume=\"gone\""), text);
        assertTrue(meters.find(gone.id()).isEmpty());
    }

    /** A VolumeIo that does nothing, so the measured time is the metering's own. */
    private static final class NoIo implements io.galleonfs.node.volume.VolumeIo {
        public UUID id() { return null; }
        public String name() { return "x"; }
        public long sizeBytes() { return 0; }
        public int blockSize() { return 4096; }
        public void read(long offset, java.nio.ByteBuffer dst) { }
        public void write(long offset, java.nio.ByteBuffer src, io.galleonfs.engine.WriteConcern c) { }
        public void flush() { }
        public void trim(long offset, long length) { }
        public void readSnapshot(String s, long offset, java.nio.ByteBuffer dst) { }
    }

    @Test
    void meteringCostFigure() throws Exception {
        io.galleonfs.node.volume.VolumeIo bare = new NoIo();
        VolumeMeter meter = meters.meterFor(volume("bench"));
        io.galleonfs.node.volume.VolumeIo metered = new io.galleonfs.node.volume.metrics.MeteredVolumeIo(bare, meter);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4096);
        int ops = 2_000_000;
        double bareNs = 0;
        double meteredNs = 0;
        for (int round = 0; round < 3; round++) {
            bareNs = time(bare, buf, ops);
            meteredNs = time(metered, buf, ops);
        }
        System.out.printf("FIGURE metering cost per read (one thread, Prometheus timer attached): %.0f ns (bare call %.0f ns)%n",
                meteredNs - bareNs, bareNs);
        assertEquals(3L * ops, meter.operations(IoOp.READ));
    }

    private static double time(io.galleonfs.node.volume.VolumeIo io, java.nio.ByteBuffer buf, int ops) throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < ops; i++) {
            buf.clear();
            io.read(0, buf);
        }
        return (System.nanoTime() - start) / (double) ops;
    }

    @Test
    void aThousandVolumesScrapeSmallAndFast() {
        List<VolumeRecord> volumes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            // Names as long as real ones tend to be ("postgres-orders-0042"), so the size is not flattered.
            VolumeRecord v = volume(String.format("postgres-orders-%04d", i));
            volumes.add(v);
            VolumeMeter m = meters.meterFor(v);
            // Realistic values: every series non-zero, so the numbers are as long as on a busy node.
            for (IoOp op : IoOp.values()) {
                m.succeeded(op, m.begin() - 100_000L * (op.ordinal() + 1), 123_456_789);
                m.begin();
                m.failed(op);
            }
        }
        registry.scrape();
        long start = System.nanoTime();
        byte[] text = registry.scrape().getBytes(StandardCharsets.UTF_8);
        long micros = (System.nanoTime() - start) / 1000;
        long series = new String(text, StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("galleon_volume_io")).count();
        System.out.printf("FIGURE scrape of 1000 volumes: %d bytes, %d series, %.1f ms%n", text.length, series, micros / 1000.0);
        assertTrue(text.length <= 5 * 1024 * 1024, "scrape is " + text.length + " bytes");
        assertEquals(1000 * 29, series);
    }
}
