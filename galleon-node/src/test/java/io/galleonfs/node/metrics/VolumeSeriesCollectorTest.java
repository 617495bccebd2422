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
import io.galleonfs.node.volume.qos.QosSlot;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The per-volume Prometheus series, and what a scrape costs with a thousand volumes. */
class VolumeSeriesCollectorTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final VolumeMeters meters = new VolumeMeters();
    private final Map<UUID, VolumeRecord> metadata = new ConcurrentHashMap<>();
    private final List<VolumeSeriesCollector.Replication> primaries = new ArrayList<>();
    private final List<VolumeSeriesCollector.ReadCache> caches = new ArrayList<>();

    {
        new VolumeSeriesCollector(new VolumeSeriesCollector.Sources() {
            public Collection<VolumeMeter> meters() {
                return meters.all();
            }

            public Collection<QosSlot> qosSlots() {
                return List.of();
            }

            public Collection<VolumeSeriesCollector.Replication> primaries() {
                return primaries;
            }

            public Function<UUID, Optional<VolumeRecord>> directory() {
                return id -> Optional.ofNullable(metadata.get(id));
            }

            public Collection<VolumeSeriesCollector.ReadCache> readCaches() {
                return caches;
            }
        }).register(registry.getPrometheusRegistry());
    }

    private VolumeRecord volume(String name, String namespace) {
        VolumeRecord v = new VolumeRecord(UUID.randomUUID(), name, VolumeType.PERSISTENT, 1L << 30, 4096, "fast-local-ssd", 1,
                AccessMode.READ_WRITE_ONCE, false, 0, "node-1", List.of(), List.of("node-1"), 1, Map.of(), namespace);
        metadata.put(v.id(), v);
        return v;
    }

    /** The line of series {@code name} whose labels include all of {@code labels} ("k=\"v\""), or "" when none. */
    private static String line(String text, String name, String... labels) {
        return text.lines().filter(l -> l.startsWith(name + "{") && List.of(labels).stream().allMatch(l::contains))
                .findFirst().orElse("");
    }

    private static double value(String line) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    @Test
    void seriesCarryTheVolumeItsNamespaceAndCounts() {
        VolumeRecord v = volume("db-data", "team-a");
        VolumeMeter m = meters.meterFor(v);
        m.succeeded(IoOp.WRITE, m.begin() - 2_000_000, 8192);
        m.succeeded(IoOp.WRITE, m.begin() - 2_000_000, 8192);
        m.succeeded(IoOp.READ, m.begin() - 50_000, 4096);
        m.begin();
        m.failed(IoOp.READ);
        String text = registry.scrape();
        String[] write = {"namespace=\"team-a\"", "op=\"write\"", "volume=\"db-data\""};
        assertEquals(2.0, value(line(text, "galleon_volume_io_operations_total", write)), text);
        assertEquals(16384.0, value(line(text, "galleon_volume_io_bytes_total", write)), text);
        assertEquals(2.0, value(line(text, "galleon_volume_io_latency_seconds_bucket", append(write, "le=\"0.005\""))), text);
        assertEquals(0.0, value(line(text, "galleon_volume_io_latency_seconds_bucket", append(write, "le=\"0.001\""))), text);
        assertEquals(2.0, value(line(text, "galleon_volume_io_latency_seconds_bucket", append(write, "le=\"+Inf\""))), text);
        assertEquals(2.0, value(line(text, "galleon_volume_io_latency_seconds_count", write)), text);
        assertEquals(0.004, value(line(text, "galleon_volume_io_latency_seconds_sum", write)), 0.001, text);
        String[] volume = {"namespace=\"team-a\"", "volume=\"db-data\""};
        assertEquals(1.0, value(line(text, "galleon_volume_io_errors_total", volume)), text);
        assertEquals(0.0, value(line(text, "galleon_volume_io_inflight", volume)), text);
        assertEquals(1.0, value(line(text, "galleon_volume_info", append(volume, "volume_id=\"" + v.id() + "\""))), text);
        // The id is on the info series only, and no line is tagged with a namespace the volume is not in.
        assertEquals(1, text.lines().filter(l -> l.contains(v.id().toString())).count(), text);
        assertFalse(text.contains("namespace=\"default\""), text);
    }

    @Test
    void rareSeriesAppearWithTheirFirstEventAndStay() {
        VolumeRecord v = volume("quiet", "default");
        VolumeMeter m = meters.meterFor(v);
        String before = registry.scrape();
        assertEquals(0.0, value(line(before, "galleon_volume_io_operations_total", "op=\"read\"", "volume=\"quiet\"")));
        assertEquals("", line(before, "galleon_volume_io_operations_total", "op=\"trim\"", "volume=\"quiet\""));
        assertEquals("", line(before, "galleon_volume_io_latency_seconds_count", "volume=\"quiet\""));
        m.succeeded(IoOp.TRIM, m.begin(), 1 << 20);
        m.succeeded(IoOp.READ, m.begin(), 4096);
        String after = registry.scrape();
        assertEquals(1.0, value(line(after, "galleon_volume_io_operations_total", "op=\"trim\"", "volume=\"quiet\"")));
        assertEquals(1048576.0, value(line(after, "galleon_volume_io_bytes_total", "op=\"trim\"", "volume=\"quiet\"")));
        assertEquals(1.0, value(line(after, "galleon_volume_io_latency_seconds_count", "op=\"read\"", "volume=\"quiet\"")));
        assertEquals("", line(after, "galleon_volume_io_latency_seconds_count", "op=\"write\"", "volume=\"quiet\""));
    }

    @Test
    void readCacheSeriesExistForVolumesThatReadThroughTheCache() {
        VolumeRecord encrypted = volume("secret", "team-c");
        VolumeRecord unread = volume("unread", "team-c");
        caches.add(new VolumeSeriesCollector.ReadCache(encrypted.id(), 30, 10));
        caches.add(new VolumeSeriesCollector.ReadCache(unread.id(), 0, 0));
        String text = registry.scrape();
        String[] volume = {"namespace=\"team-c\"", "volume=\"secret\""};
        assertEquals(30.0, value(line(text, "galleon_volume_read_cache_hits_total", volume)), text);
        assertEquals(10.0, value(line(text, "galleon_volume_read_cache_misses_total", volume)), text);
        assertFalse(text.contains("volume=\"unread\""), "no series before a volume's first cached read: " + text);
    }

    @Test
    void replicationSeriesFollowThePrimaries() {
        VolumeRecord v = volume("replicated", "team-b");
        primaries.add(new VolumeSeriesCollector.Replication(v.id(), v.name(), 3, 12288, 100, 400));
        String text = registry.scrape();
        String[] volume = {"namespace=\"team-b\"", "volume=\"replicated\""};
        assertEquals(3.0, value(line(text, "galleon_volume_replication_lag_operations", volume)), text);
        assertEquals(12288.0, value(line(text, "galleon_volume_replication_lag_bytes", volume)), text);
        assertEquals(100.0, value(line(text, "galleon_volume_rebuild_done_bytes", volume)), text);
        assertEquals(400.0, value(line(text, "galleon_volume_rebuild_total_bytes", volume)), text);
        assertTrue(line(text, "galleon_volume_info", volume).contains(v.id().toString()), text);
        primaries.clear();
        assertFalse(registry.scrape().contains("volume=\"replicated\""));
    }

    private static String[] append(String[] a, String b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + 1);
        c[a.length] = b;
        return c;
    }

    @Test
    void deletedVolumesLoseTheirSeries() {
        VolumeRecord keep = volume("keep", "default");
        VolumeRecord gone = volume("gone", "default");
        meters.meterFor(keep);
        meters.meterFor(gone);
        meters.retain(Set.of(keep.id()));
        String text = registry.scrape();
        assertTrue(text.contains("volume=\"keep\""));
        assertFalse(text.contains("volume=\"gone\""), text);
        assertTrue(meters.find(gone.id()).isEmpty());
    }

    /** A VolumeIo that does nothing, so the measured time is the metering's own. */
    private static final class NoIo implements io.galleonfs.node.blockio.VolumeIo {
        public UUID id() { return null; }
        public String name() { return "x"; }
        public long sizeBytes() { return 0; }
        public int blockSize() { return 4096; }
        public void read(long offset, java.nio.ByteBuffer dst) { }
        public void write(long offset, java.nio.ByteBuffer src, io.galleonfs.node.blockio.WriteConcern c) { }
        public void flush() { }
        public void trim(long offset, long length) { }
        public void readSnapshot(String s, long offset, java.nio.ByteBuffer dst) { }
    }

    @Test
    void meteringCostFigure() throws Exception {
        io.galleonfs.node.blockio.VolumeIo bare = new NoIo();
        VolumeMeter meter = meters.meterFor(volume("bench", "default"));
        io.galleonfs.node.blockio.VolumeIo metered = new io.galleonfs.node.volume.metrics.MeteredVolumeIo(bare, meter);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4096);
        int ops = 2_000_000;
        double bareNs = 0;
        double meteredNs = 0;
        for (int round = 0; round < 3; round++) {
            bareNs = time(bare, buf, ops);
            meteredNs = time(metered, buf, ops);
        }
        System.out.printf("FIGURE metering cost per read (one thread, Prometheus buckets included): %.0f ns (bare call %.0f ns)%n",
                meteredNs - bareNs, bareNs);
        assertEquals(3L * ops, meter.operations(IoOp.READ));
    }

    private static double time(io.galleonfs.node.blockio.VolumeIo io, java.nio.ByteBuffer buf, int ops) throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < ops; i++) {
            buf.clear();
            io.read(0, buf);
        }
        return (System.nanoTime() - start) / (double) ops;
    }

    @Test
    void aThousandVolumesScrapeSmall() {
        for (int i = 0; i < 1000; i++) {
            // Names as long as real ones tend to be ("postgres-orders-0042"), so the size is not flattered.
            VolumeRecord v = volume(String.format("postgres-orders-%04d", i), "team-" + i % 4);
            VolumeMeter m = meters.meterFor(v);
            // Every op and every series non-zero, so the numbers are as long as on a busy node.
            for (IoOp op : IoOp.values()) {
                m.succeeded(op, m.begin() - 100_000L * (op.ordinal() + 1), 123_456_789);
                m.begin();
                m.failed(op);
            }
            primaries.add(new VolumeSeriesCollector.Replication(v.id(), v.name(), 12, 49152, 0, 0));
        }
        registry.scrape();
        long start = System.nanoTime();
        byte[] text = registry.scrape().getBytes(StandardCharsets.UTF_8);
        long micros = (System.nanoTime() - start) / 1000;
        long series = new String(text, StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("galleon_volume_")).count();
        System.out.printf("FIGURE scrape of 1000 volumes (I/O and replication series, no QoS): %d bytes, %d series, %.1f ms%n",
                text.length, series, micros / 1000.0);
        // Per volume: info 1, operations 4, bytes 3, errors 1, inflight 1, latency 2 x 8, replication 4.
        assertEquals(1000 * 30, series);
        assertTrue(text.length <= 5 * 1000 * 1000, "scrape is " + text.length + " bytes");
    }
}
