package io.galleonfs.node.metrics;

import io.galleonfs.api.QosPolicy;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.volume.metrics.ExportedLatency;
import io.galleonfs.node.volume.metrics.IoOp;
import io.galleonfs.node.volume.metrics.VolumeMeter;
import io.galleonfs.node.volume.metrics.VolumeMetricsReport;
import io.galleonfs.node.volume.qos.QosSlot;
import io.prometheus.client.Collector;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Every per-volume Prometheus series of this node, produced when scraped straight from the lock-free counters of the
 * volume meters, QoS slots and primaries (no Micrometer meter per volume, nothing registered or removed as volumes come
 * and go, no lock held across volumes).
 *
 * <p>Kept small on purpose (issue 16: 1,000 volumes scrape in at most 5 MB and 200 ms):
 * <ul>
 * <li>series carry {@code namespace} and {@code volume}; the volume's id is on one {@code galleon_volume_info} series per
 *     volume only (names are unique in a cluster, so the id on every line was ~50 redundant bytes of ~155);</li>
 * <li>latency has five buckets and no {@code _max};</li>
 * <li>series that are zero on most volumes appear with their first event and stay from then on (trim and flush counts,
 *     the latency histogram of an op before its first success, latency-target breaches without a target);</li>
 * <li>QoS limit gauges exist only for the values the policy sets.</li>
 * </ul>
 */
public final class VolumeSeriesCollector extends Collector {
    public static final String INFO = "galleon_volume_info";
    public static final String OPERATIONS = "galleon_volume_io_operations";
    public static final String BYTES = "galleon_volume_io_bytes";
    public static final String ERRORS = "galleon_volume_io_errors";
    public static final String INFLIGHT = "galleon_volume_io_inflight";
    public static final String LATENCY = "galleon_volume_io_latency_seconds";
    public static final String THROTTLED_SECONDS = "galleon_volume_qos_throttled_seconds";
    public static final String THROTTLED_OPERATIONS = "galleon_volume_qos_throttled_operations";
    public static final String OVERLONG_WAITS = "galleon_volume_qos_overlong_waits";
    public static final String LATENCY_BREACH_SECONDS = "galleon_volume_qos_latency_breach_seconds";
    public static final String LIMIT_IOPS = "galleon_volume_qos_limit_iops";
    public static final String LIMIT_MBPS = "galleon_volume_qos_limit_mbps";
    public static final String RESERVATION_IOPS = "galleon_volume_qos_reservation_iops";
    public static final String RESERVATION_MBPS = "galleon_volume_qos_reservation_mbps";
    public static final String LAG_OPERATIONS = "galleon_volume_replication_lag_operations";
    public static final String LAG_BYTES = "galleon_volume_replication_lag_bytes";
    public static final String REBUILD_DONE = "galleon_volume_rebuild_done_bytes";
    public static final String REBUILD_TOTAL = "galleon_volume_rebuild_total_bytes";
    public static final String CACHE_HITS = "galleon_volume_read_cache_hits";
    public static final String CACHE_MISSES = "galleon_volume_read_cache_misses";

    private static final List<String> VOLUME = List.of("namespace", "volume");
    private static final List<String> VOLUME_OP = List.of("namespace", "op", "volume");
    private static final List<String> VOLUME_OP_LE = List.of("namespace", "op", "volume", "le");
    private static final List<String> VOLUME_ID = List.of("namespace", "volume", "volume_id");
    private static final List<IoOp> TIMED = List.of(IoOp.READ, IoOp.WRITE);

    /** A primary's replication figures, read once per scrape. */
    public record Replication(UUID id, String name, long lagOperations, long lagBytes, long rebuildDoneBytes,
                              long rebuildTotalBytes) {
    }

    /** A local copy's reads through the engine's cache of decrypted blocks (encrypted volumes only). */
    public record ReadCache(UUID id, long hits, long misses) {
    }

    /** Where the series come from; each method is called once per scrape. */
    public interface Sources {
        Collection<VolumeMeter> meters();

        Collection<QosSlot> qosSlots();

        Collection<Replication> primaries();

        /** Metadata's volumes now: the namespace of each exported volume comes from here. */
        Function<UUID, Optional<VolumeRecord>> directory();

        /** Read-cache figures of the encrypted volumes stored on this node. */
        default Collection<ReadCache> readCaches() {
            return List.of();
        }
    }

    private final Sources sources;

    public VolumeSeriesCollector(Sources sources) {
        this.sources = sources;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        Function<UUID, Optional<VolumeRecord>> directory = sources.directory();
        Map<UUID, String> namespaces = new HashMap<>();
        Function<UUID, String> namespaceOf = id -> namespaces.computeIfAbsent(id,
                k -> directory.apply(k).map(VolumeRecord::namespace).orElse(VolumeMetricsReport.NAMESPACE));
        Map<UUID, String> names = new HashMap<>();
        List<MetricFamilySamples> out = new ArrayList<>();
        io(sources.meters(), namespaceOf, names, out);
        qos(sources.qosSlots(), namespaceOf, names, out);
        replication(sources.primaries(), namespaceOf, names, out);
        readCaches(sources.readCaches(), directory, namespaceOf, names, out);
        Family info = new Family(INFO, Type.GAUGE, "1 for each volume with series on this node; carries its id");
        names.forEach((id, name) -> info.add(INFO, VOLUME_ID, List.of(namespaceOf.apply(id), name, id.toString()), 1));
        out.add(0, info.samples());
        out.removeIf(f -> f.samples.isEmpty());
        return out;
    }

    private static void io(Collection<VolumeMeter> meters, Function<UUID, String> namespaceOf, Map<UUID, String> names,
                           List<MetricFamilySamples> out) {
        Family ops = new Family(OPERATIONS, Type.COUNTER, "Successful I/O operations on the volume that entered this node");
        Family bytes = new Family(BYTES, Type.COUNTER, "Bytes read, written or trimmed by successful operations");
        Family errors = new Family(ERRORS, Type.COUNTER, "Failed I/O operations on the volume that entered this node");
        Family inflight = new Family(INFLIGHT, Type.GAUGE, "I/O requests on the volume in progress on this node (queue depth)");
        Family latency = new Family(LATENCY, Type.HISTOGRAM,
                "Latency of successful I/O operations, from the frontend's call to its return");
        for (VolumeMeter m : meters) {
            String ns = namespaceOf.apply(m.id());
            names.put(m.id(), m.name());
            List<String> volume = List.of(ns, m.name());
            long failed = 0;
            for (IoOp op : IoOp.values()) {
                failed += m.errors(op);
                long n = m.operations(op);
                // Reads and writes always (every volume has them soon); trim and flush from their first success on.
                boolean always = op == IoOp.READ || op == IoOp.WRITE;
                if (!always && n == 0) {
                    continue;
                }
                List<String> labels = List.of(ns, op.label(), m.name());
                ops.add(OPERATIONS + "_total", VOLUME_OP, labels, n);
                if (op != IoOp.FLUSH) {
                    bytes.add(BYTES + "_total", VOLUME_OP, labels, m.bytes(op));
                }
                if (TIMED.contains(op) && n > 0) {
                    histogram(latency, m.exportedLatency(op), ns, op.label(), m.name());
                }
            }
            // One error series per volume, not per op: errors are rare, and the JSON snapshot has them per op.
            errors.add(ERRORS + "_total", VOLUME, volume, failed);
            inflight.add(INFLIGHT, VOLUME, volume, m.inflight());
        }
        out.add(ops.samples());
        out.add(bytes.samples());
        out.add(errors.samples());
        out.add(inflight.samples());
        out.add(latency.samples());
    }

    private static void histogram(Family f, ExportedLatency l, String ns, String op, String name) {
        long[] cumulative = l.cumulative();
        for (int i = 0; i < cumulative.length; i++) {
            f.add(LATENCY + "_bucket", VOLUME_OP_LE, List.of(ns, op, name, ExportedLatency.LE[i]), cumulative[i]);
        }
        List<String> labels = List.of(ns, op, name);
        f.add(LATENCY + "_count", VOLUME_OP, labels, cumulative[cumulative.length - 1]);
        f.add(LATENCY + "_sum", VOLUME_OP, labels, l.sumSeconds());
    }

    private static void qos(Collection<QosSlot> slots, Function<UUID, String> namespaceOf, Map<UUID, String> names,
                            List<MetricFamilySamples> out) {
        Family seconds = new Family(THROTTLED_SECONDS, Type.COUNTER, "Time requests of the volume were delayed by QoS on its primary");
        Family throttled = new Family(THROTTLED_OPERATIONS, Type.COUNTER, "Requests of the volume delayed by QoS");
        Family overlong = new Family(OVERLONG_WAITS, Type.COUNTER,
                "Requests let through after the maximum QoS wait (limit overshot rather than time out)");
        Family breach = new Family(LATENCY_BREACH_SECONDS, Type.COUNTER,
                "Seconds in which the volume's p99 service time on its primary was above its latency target");
        Family limitIops = new Family(LIMIT_IOPS, Type.GAUGE, "IOPS limit in force");
        Family limitMbps = new Family(LIMIT_MBPS, Type.GAUGE, "MB/s limit in force");
        Family reservation = new Family(RESERVATION_IOPS, Type.GAUGE, "IOPS reservation in force");
        Family reservationMbps = new Family(RESERVATION_MBPS, Type.GAUGE, "MB/s reservation in force");
        for (QosSlot s : slots) {
            List<String> volume = List.of(namespaceOf.apply(s.id()), s.name());
            names.putIfAbsent(s.id(), s.name());
            seconds.add(THROTTLED_SECONDS + "_total", VOLUME, volume, s.throttledSeconds());
            throttled.add(THROTTLED_OPERATIONS + "_total", VOLUME, volume, s.throttledOperations());
            overlong.add(OVERLONG_WAITS + "_total", VOLUME, volume, s.overlongWaits());
            QosPolicy p = s.policy();
            QosPolicy.Limits limits = p == null ? null : p.limits();
            QosPolicy.Guarantees guarantees = p == null ? null : p.guarantees();
            long breaches = s.latencyBreachSeconds();
            if (breaches > 0 || (limits != null && limits.latencyMs() != null)) {
                breach.add(LATENCY_BREACH_SECONDS + "_total", VOLUME, volume, breaches);
            }
            if (limits != null && limits.iops() != null) {
                limitIops.add(LIMIT_IOPS, VOLUME, volume, limits.iops());
            }
            if (limits != null && limits.throughputMbps() != null) {
                limitMbps.add(LIMIT_MBPS, VOLUME, volume, limits.throughputMbps());
            }
            if (guarantees != null && guarantees.iops() != null) {
                reservation.add(RESERVATION_IOPS, VOLUME, volume, guarantees.iops());
            }
            if (guarantees != null && guarantees.throughputMbps() != null) {
                reservationMbps.add(RESERVATION_MBPS, VOLUME, volume, guarantees.throughputMbps());
            }
        }
        for (Family f : List.of(seconds, throttled, overlong, breach, limitIops, limitMbps, reservation, reservationMbps)) {
            out.add(f.samples());
        }
    }

    private static void replication(Collection<Replication> primaries, Function<UUID, String> namespaceOf,
                                    Map<UUID, String> names, List<MetricFamilySamples> out) {
        Family lagOps = new Family(LAG_OPERATIONS, Type.GAUGE, "Replica operations the slowest healthy copy has not acknowledged yet");
        Family lagBytes = new Family(LAG_BYTES, Type.GAUGE, "Bytes written that the slowest healthy copy has not acknowledged yet");
        Family done = new Family(REBUILD_DONE, Type.GAUGE, "Bytes copied by the rebuilds of this volume's replicas in progress");
        Family total = new Family(REBUILD_TOTAL, Type.GAUGE, "Bytes to copy by the rebuilds in progress (0 when none runs)");
        for (Replication p : primaries) {
            List<String> volume = List.of(namespaceOf.apply(p.id()), p.name());
            names.putIfAbsent(p.id(), p.name());
            lagOps.add(LAG_OPERATIONS, VOLUME, volume, p.lagOperations());
            lagBytes.add(LAG_BYTES, VOLUME, volume, p.lagBytes());
            done.add(REBUILD_DONE, VOLUME, volume, p.rebuildDoneBytes());
            total.add(REBUILD_TOTAL, VOLUME, volume, p.rebuildTotalBytes());
        }
        for (Family f : List.of(lagOps, lagBytes, done, total)) {
            out.add(f.samples());
        }
    }

    /** Only volumes that read through the cache (encrypted ones, after their first read) get these two series. */
    private static void readCaches(Collection<ReadCache> caches, Function<UUID, Optional<VolumeRecord>> directory,
                                   Function<UUID, String> namespaceOf, Map<UUID, String> names, List<MetricFamilySamples> out) {
        Family hits = new Family(CACHE_HITS, Type.COUNTER, "Block reads of the volume's copy here served from the cache of decrypted blocks");
        Family misses = new Family(CACHE_MISSES, Type.COUNTER, "Block reads of the volume's copy here that read and decrypted the stored block");
        for (ReadCache c : caches) {
            if (c.hits() + c.misses() == 0) {
                continue;
            }
            Optional<VolumeRecord> v = directory.apply(c.id());
            if (v.isEmpty()) {
                continue;
            }
            List<String> volume = List.of(namespaceOf.apply(c.id()), v.get().name());
            names.putIfAbsent(c.id(), v.get().name());
            hits.add(CACHE_HITS + "_total", VOLUME, volume, c.hits());
            misses.add(CACHE_MISSES + "_total", VOLUME, volume, c.misses());
        }
        out.add(hits.samples());
        out.add(misses.samples());
    }

    /** One metric family being filled. */
    private static final class Family {
        private final String name;
        private final Type type;
        private final String help;
        private final List<MetricFamilySamples.Sample> samples = new ArrayList<>();

        Family(String name, Type type, String help) {
            this.name = name;
            this.type = type;
            this.help = help;
        }

        void add(String sample, List<String> labelNames, List<String> labelValues, double value) {
            samples.add(new MetricFamilySamples.Sample(sample, labelNames, labelValues, value));
        }

        MetricFamilySamples samples() {
            return new MetricFamilySamples(name, type, help, samples);
        }
    }
}
