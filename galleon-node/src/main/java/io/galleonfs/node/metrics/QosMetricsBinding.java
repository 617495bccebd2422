package io.galleonfs.node.metrics;

import io.galleonfs.node.daemon.NodeRuntime;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Runs the reservation scheduler's once-a-second recomputation. The QoS series of the volumes (time and requests held
 * back, limits in force) are produced at scrape time by {@link VolumeSeriesCollector}.
 */
@ApplicationScoped
public class QosMetricsBinding {

    @Inject
    NodeRuntime node;

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (node.qos() != null) {
            node.qos().tick();
        }
    }
}
