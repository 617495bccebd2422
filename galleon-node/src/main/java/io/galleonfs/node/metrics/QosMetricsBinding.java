package io.galleonfs.node.metrics;

import io.galleonfs.node.daemon.NodeRuntime;
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
 * Runs the reservation scheduler's once-a-second recomputation and exports the node's QoS capacity. The QoS series of the volumes (time and requests held back, limits in force) are
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
        Gauge.builder("galleon_qos_node_capacity_iops", node, n -> n.capacity() == null ? 0 : n.capacity().schedulable())
                .description("IOPS that QoS reservations on this node may add up to (configured or calibrated; 0: unknown)")
                .register(registry);
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (node.qos() != null) {
            node.qos().tick();
        }
    }
}
