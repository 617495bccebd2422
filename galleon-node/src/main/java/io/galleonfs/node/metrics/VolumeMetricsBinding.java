package io.galleonfs.node.metrics;

import io.galleonfs.node.daemon.NodeRuntime;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import org.jboss.logging.Logger;

/** Connects the node's volume meters to Micrometer and takes their per-second samples. */
@ApplicationScoped
public class VolumeMetricsBinding {
    private static final Logger LOG = Logger.getLogger(VolumeMetricsBinding.class);

    @Inject
    MeterRegistry registry;

    @Inject
    NodeRuntime node;

    // After NodeRuntime's start-up observer (default priority), which creates the meters' owner.
    void bind(@Observes @Priority(Interceptor.Priority.APPLICATION + 1000) StartupEvent event) {
        if (node.data() == null) {
            LOG.warn("volume I/O metrics are not exported: the node's data service did not start");
            return;
        }
        node.data().meters().addListener(new MicrometerVolumeMeters(registry));
    }

    /** Runs on a scheduler worker thread; sampling only copies counters, so it is quick even for many volumes. */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (node.data() != null) {
            node.data().meters().tick(System.nanoTime());
        }
    }
}
