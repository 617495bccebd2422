package io.galleonfs.node.daemon;

import io.galleonfs.engine.EngineStats;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.function.ToDoubleFunction;

/**
 * Prometheus gauges (at /q/metrics) for the cluster view and the storage engine. Gauges are sampled when scraped, so
 * they cost nothing between scrapes.
 */
@ApplicationScoped
public class NodeMetrics {

    @Inject
    MeterRegistry registry;

    @Inject
    NodeRuntime node;

    void register(@Observes StartupEvent event) {
        for (String state : new String[] {"up", "suspect", "down"}) {
            Gauge.builder("galleon_cluster_members", node, n -> n.cluster().members().stream().filter(m -> m.state().equals(state)).count())
                    .tag("state", state).description("Cluster members by health state").register(registry);
        }
        gauge("galleon_cluster_is_leader", "1 when this node is the Raft leader", n -> n.cluster().isLeader() ? 1 : 0);
        gauge("galleon_cluster_raft_term", "Current Raft term", n -> n.cluster().term());
        gauge("galleon_cluster_raft_commit_index", "Raft commit index", n -> n.cluster().commitIndex());
        gauge("galleon_cluster_majority_reachable", "1 when a majority of Raft members is in this node's view",
                n -> n.cluster().majorityReachable() ? 1 : 0);
        gauge("galleon_volumes", "Volumes in cluster metadata", n -> n.metadata().state().volumes().size());
        replicationGauge("galleon_replication_repaired_blocks_total", "Blocks rewritten from a healthy copy (checksum failure or scrub)",
                m -> m.repairedBlocks.sum());
        replicationGauge("galleon_replication_resync_bytes_total", "Bytes sent to catch stale replicas up by delta resync",
                m -> m.resyncBytes.sum());
        replicationGauge("galleon_replication_rebuild_bytes_total", "Bytes of allocated blocks copied by full rebuilds",
                m -> m.rebuildBytes.sum());
        replicationGauge("galleon_replication_failovers_total", "Primaries replaced by this node while it was the Raft leader",
                m -> m.failovers.sum());
        replicationGauge("galleon_replication_stale_marks_total", "Replicas marked stale after failing to answer",
                m -> m.staleMarks.sum());
        replicationGauge("galleon_replication_lag_operations", "Replica operations shipped but not yet acknowledged (asynchronous strategy)",
                m -> m.lagOps.get());
        engineGauge("galleon_engine_bytes_on_disk", "Bytes allocated by the engine's files", EngineStats::bytesOnDisk);
        engineGauge("galleon_engine_journal_bytes", "Size of the current journal generation", EngineStats::journalBytes);
        engineGauge("galleon_engine_durable_writes_total", "Durable writes since start", EngineStats::durableWrites);
        engineGauge("galleon_engine_fsyncs_total", "fsync calls since start (group commit shares them)", EngineStats::fsyncs);
        spaceGauge("galleon_storage_capacity_bytes", "Size of the file system holding the storage path", StorageSpace::capacityBytes);
        spaceGauge("galleon_storage_free_bytes", "Bytes free on the storage file system (the reserve file counts as used)",
                StorageSpace::freeBytes);
        spaceGauge("galleon_storage_reserved_bytes", "Free space kept for the node; client writes get 507 below it",
                StorageSpace::reservedBytes);
        spaceGauge("galleon_storage_provisioned_bytes", "Sum of the sizes of the volumes with a copy on this node",
                StorageSpace::provisionedBytes);
        spaceGauge("galleon_storage_overcommit_ratio", "Provisioned volume sizes / capacity (thin provisioning)",
                StorageSpace::overcommit);
        spaceGauge("galleon_storage_writes_refused", "1 while the engine waits for space after the device filled up",
                s -> s.writesRefused() ? 1 : 0);
    }

    private void gauge(String name, String help, ToDoubleFunction<NodeRuntime> f) {
        Gauge.builder(name, node, f).description(help).register(registry);
    }

    private void replicationGauge(String name, String help, ToDoubleFunction<io.galleonfs.node.replication.ReplicationMetrics> f) {
        Gauge.builder(name, node, n -> f.applyAsDouble(n.replication().metrics())).description(help).register(registry);
    }

    private void spaceGauge(String name, String help, ToDoubleFunction<StorageSpace> f) {
        Gauge.builder(name, node, n -> f.applyAsDouble(n.space())).description(help).register(registry);
    }

    private void engineGauge(String name, String help, ToDoubleFunction<EngineStats> f) {
        Gauge.builder(name, node, n -> f.applyAsDouble(engineStats(n))).description(help).register(registry);
    }

    private volatile EngineStats cachedStats;
    private volatile long cachedAtNanos;

    /**
     * One engine snapshot for all engine gauges of a scrape: {@code stats()} walks every file under the storage path
     * (allocated bytes), which with a thousand volumes was most of a scrape's fixed cost, four times per scrape.
     */
    private EngineStats engineStats(NodeRuntime n) {
        long now = System.nanoTime();
        EngineStats s = cachedStats;
        if (s == null || now - cachedAtNanos > 1_000_000_000L) {
            s = n.engine().stats();
            cachedStats = s;
            cachedAtNanos = now;
        }
        return s;
    }
}
