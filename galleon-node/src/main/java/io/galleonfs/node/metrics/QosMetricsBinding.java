package io.galleonfs.node.metrics;

import io.galleonfs.node.daemon.NodeRuntime;
import io.galleonfs.node.volume.qos.BackgroundQos;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

/**
 * Runs the reservation scheduler's once-a-second recomputation and exports the node's background QoS class (rebuild,
 * scrub, backup reads) and capacity. The QoS series of the volumes (time and requests held back, limits in force) are
 * produced at scrape time by {@link VolumeSeriesCollector}.
 */
@ApplicationScoped
public class QosMetricsBinding {

    @Inject
    NodeRuntime node;

    @Inject
    MeterRegistry registry;

    // After NodeRuntime's start-up observer (default priority), which creates the QoS.
    void bind(@Observes @Priority(Interceptor.Priority.APPLICATION + 1000) StartupEvent event) {
        if (node.qos() == null) {
            return;
        }
        for (BackgroundQos.Work w : BackgroundQos.Work.values()) {
            FunctionCounter.builder("galleon_qos_background_throttled_seconds_total", node, n -> n.qos().background().throttledSeconds(w))
                    .tag("work", w.label()).description("Seconds background work was held back by its QoS class").register(registry);
            FunctionCounter.builder("galleon_qos_background_operations_total", node, n -> n.qos().background().operations(w))
                    .tag("work", w.label()).description("Background read requests admitted by the QoS class").register(registry);
            FunctionCounter.builder("galleon_qos_background_bytes_total", node, n -> n.qos().background().bytes(w))
                    .tag("work", w.label()).description("Bytes read (rebuild, scrub, backup) or written (restore) by background work through the QoS class").register(registry);
        }
        Gauge.builder("galleon_qos_background_limit_mbps", node, n -> n.qos().background().limitMbps())
                .description("The background QoS class's MB/s limit (0: none)").register(registry);
        Gauge.builder("galleon_qos_background_limit_iops", node, n -> n.qos().background().limitIops())
                .description("The background QoS class's requests-a-second limit (0: none)").register(registry);
        Gauge.builder("galleon_qos_node_capacity_iops", node, n -> n.capacity() == null ? 0 : n.capacity().schedulable())
                .description("IOPS that QoS reservations on this node may add up to (configured or calibrated; 0: unknown)")
                .register(registry);
        Gauge.builder("galleon_qos_node_capacity_mbps", node, n -> n.capacity() == null ? 0 : n.capacity().schedulableMbps())
                .description("MB/s that QoS throughput reservations on this node may add up to (configured or calibrated; 0: unknown)")
                .register(registry);
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (node.qos() != null) {
            node.qos().tick();
        }
    }
}
