package io.galleonfs.node.metrics;

import io.galleonfs.node.daemon.NodeRuntime;
import io.galleonfs.node.replication.PrimaryVolume;
import io.galleonfs.node.volume.metrics.VolumeMetricsReport;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Per-volume replication gauges of the volumes this node serves as primary: how far the slowest healthy replica is
 * behind (operations and bytes sent and not yet answered) and rebuild progress (bytes copied / to copy). Follows the set
 * of primaries once a second, on the scheduler's worker thread; the gauges read lock-free counters when scraped.
 */
@ApplicationScoped
public class ReplicationLagBinding {
    public static final String LAG_OPERATIONS = "galleon.volume.replication.lag.operations";
    public static final String LAG_BYTES = "galleon.volume.replication.lag.bytes";
    public static final String REBUILD_DONE = "galleon.volume.rebuild.done.bytes";
    public static final String REBUILD_TOTAL = "galleon.volume.rebuild.total.bytes";

    @Inject
    MeterRegistry registry;

    @Inject
    NodeRuntime node;

    /** Exported primaries (the instance: a new primary of the same volume after a failover back gets new gauges). */
    private final Map<UUID, Exported> exported = new HashMap<>();

    private record Exported(PrimaryVolume primary, List<Meter> meters) {
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    synchronized void follow() {
        if (node.replication() == null) {
            return;
        }
        Map<UUID, PrimaryVolume> now = node.replication().primaries().stream()
                .collect(Collectors.toMap(PrimaryVolume::id, p -> p, (a, b) -> b));
        for (UUID id : Set.copyOf(exported.keySet())) {
            Exported e = exported.get(id);
            if (now.get(id) != e.primary()) {
                e.meters().forEach(registry::remove);
                exported.remove(id);
            }
        }
        now.forEach((id, p) -> exported.computeIfAbsent(id, k -> new Exported(p, register(p))));
    }

    private List<Meter> register(PrimaryVolume p) {
        Tags tags = Tags.of("namespace", VolumeMetricsReport.NAMESPACE, "volume", p.name(), "volume_id", p.id().toString());
        return List.of(
                Gauge.builder(LAG_OPERATIONS, p, x -> x.lag().operations()).tags(tags).strongReference(true)
                        .description("Replica operations the slowest healthy copy has not acknowledged yet").register(registry),
                Gauge.builder(LAG_BYTES, p, x -> x.lag().bytes()).tags(tags).strongReference(true).baseUnit("bytes")
                        .description("Bytes written that the slowest healthy copy has not acknowledged yet").register(registry),
                Gauge.builder(REBUILD_DONE, p, x -> x.rebuildProgress().doneBytes()).tags(tags).strongReference(true)
                        .description("Bytes copied by the rebuilds of this volume's replicas in progress").register(registry),
                Gauge.builder(REBUILD_TOTAL, p, x -> x.rebuildProgress().totalBytes()).tags(tags).strongReference(true)
                        .description("Bytes to copy by the rebuilds in progress (0 when none runs)").register(registry));
    }
}
