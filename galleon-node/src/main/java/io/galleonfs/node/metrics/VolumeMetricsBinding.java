package io.galleonfs.node.metrics;

import io.galleonfs.node.daemon.NodeRuntime;
import io.galleonfs.node.replication.PrimaryVolume;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.volume.metrics.VolumeMeter;
import io.galleonfs.node.volume.qos.QosSlot;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Adds the per-volume series ({@link VolumeSeriesCollector}) to the Prometheus registry behind /q/metrics and takes the
 * volume meters' per-second samples.
 */
@ApplicationScoped
public class VolumeMetricsBinding {
    private static final Logger LOG = Logger.getLogger(VolumeMetricsBinding.class);

    @Inject
    PrometheusMeterRegistry registry;

    @Inject
    NodeRuntime node;

    // After NodeRuntime's start-up observer (default priority), which creates the meters' owner.
    void bind(@Observes @Priority(Interceptor.Priority.APPLICATION + 1000) StartupEvent event) {
        if (node.data() == null) {
            LOG.warn("volume I/O metrics are not exported: the node's data service did not start");
        }
        new VolumeSeriesCollector(new NodeSources(node)).register(registry.getPrometheusRegistry());
    }

    /** Runs on a scheduler worker thread; sampling only copies counters, so it is quick even for many volumes. */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (node.data() != null) {
            long now = System.nanoTime();
            node.data().meters().tick(now);
            if (node.applyRates() != null) {
                node.applyRates().tick(now);
            }
        }
    }

    /** The running node's meters, QoS slots, primaries and metadata, read at each scrape. */
    private record NodeSources(NodeRuntime node) implements VolumeSeriesCollector.Sources {
        @Override
        public Collection<VolumeMeter> meters() {
            return node.data() == null ? List.of() : node.data().meters().all();
        }

        @Override
        public Collection<QosSlot> qosSlots() {
            return node.qos() == null ? List.of() : node.qos().slots();
        }

        @Override
        public Collection<VolumeSeriesCollector.Replication> primaries() {
            if (node.replication() == null) {
                return List.of();
            }
            return node.replication().primaries().stream().map(NodeSources::replication).toList();
        }

        private static VolumeSeriesCollector.Replication replication(PrimaryVolume p) {
            PrimaryVolume.Lag lag = p.lag();
            PrimaryVolume.RebuildProgress rebuild = p.rebuildProgress();
            return new VolumeSeriesCollector.Replication(p.id(), p.name(), lag.operations(), lag.bytes(), rebuild.doneBytes(),
                    rebuild.totalBytes());
        }

        @Override
        public Function<UUID, Optional<VolumeRecord>> directory() {
            return node.metadata().state()::volume;
        }

        @Override
        public Collection<VolumeSeriesCollector.ReadCache> readCaches() {
            if (node.engine() == null) {
                return List.of();
            }
            List<VolumeSeriesCollector.ReadCache> out = new java.util.ArrayList<>();
            for (UUID id : node.engine().volumeIds()) {
                node.engine().find(id).filter(io.galleonfs.engine.Volume::encrypted).ifPresent(v -> {
                    io.galleonfs.engine.ReadCacheStats s = v.readCacheStats();
                    out.add(new VolumeSeriesCollector.ReadCache(id, s.hits(), s.misses()));
                });
            }
            return out;
        }
    }
}
