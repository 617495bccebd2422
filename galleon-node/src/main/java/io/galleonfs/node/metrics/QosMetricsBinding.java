package io.galleonfs.node.metrics;

import io.galleonfs.api.QosPolicy;
import io.galleonfs.node.daemon.NodeRuntime;
import io.galleonfs.node.volume.metrics.VolumeMetricsReport;
import io.galleonfs.node.volume.qos.QosSlot;
import io.galleonfs.node.volume.qos.VolumeQos;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Exports the QoS of the volumes this node serves (time and requests held back, limits in force) and runs the reservation
 * scheduler's once-a-second recomputation.
 */
@ApplicationScoped
public class QosMetricsBinding {
    public static final String THROTTLED_SECONDS = "galleon.volume.qos.throttled.seconds";
    public static final String THROTTLED_OPERATIONS = "galleon.volume.qos.throttled.operations";
    public static final String OVERLONG_WAITS = "galleon.volume.qos.overlong.waits";
    public static final String LIMIT_IOPS = "galleon.volume.qos.limit.iops";
    public static final String LIMIT_MBPS = "galleon.volume.qos.limit.mbps";
    public static final String RESERVATION_IOPS = "galleon.volume.qos.reservation.iops";
    public static final String LATENCY_BREACH_SECONDS = "galleon.volume.qos.latency.breach.seconds";

    @Inject
    MeterRegistry registry;

    @Inject
    NodeRuntime node;

    private final Map<UUID, List<Meter>> exported = new ConcurrentHashMap<>();

    void bind(@Observes @Priority(Interceptor.Priority.APPLICATION + 1000) StartupEvent event) {
        VolumeQos qos = node.qos();
        if (qos == null) {
            return;
        }
        qos.addListener(new VolumeQos.Listener() {
            @Override
            public void added(QosSlot s) {
                Tags tags = Tags.of("namespace", VolumeMetricsReport.NAMESPACE, "volume", s.name(), "volume_id", s.id().toString());
                exported.put(s.id(), List.of(
                        FunctionCounter.builder(THROTTLED_SECONDS, s, QosSlot::throttledSeconds).tags(tags)
                                .description("Time requests of the volume were delayed by QoS on its primary").register(registry),
                        FunctionCounter.builder(THROTTLED_OPERATIONS, s, QosSlot::throttledOperations).tags(tags)
                                .description("Requests of the volume delayed by QoS").register(registry),
                        FunctionCounter.builder(OVERLONG_WAITS, s, QosSlot::overlongWaits).tags(tags)
                                .description("Requests let through after the maximum QoS wait (limit overshot rather than time out)")
                                .register(registry),
                        FunctionCounter.builder(LATENCY_BREACH_SECONDS, s, QosSlot::latencyBreachSeconds).tags(tags)
                                .description("Seconds in which the volume's p99 service time on its primary was above its latency target")
                                .register(registry),
                        gauge(LIMIT_IOPS, s, p -> p.limits() == null ? null : p.limits().iops(), tags, "IOPS limit in force"),
                        gauge(LIMIT_MBPS, s, p -> p.limits() == null ? null : p.limits().throughputMbps(), tags, "MB/s limit in force"),
                        gauge(RESERVATION_IOPS, s, p -> p.guarantees() == null ? null : p.guarantees().iops(), tags,
                                "IOPS reservation in force")));
            }

            @Override
            public void removed(QosSlot s) {
                List<Meter> meters = exported.remove(s.id());
                if (meters != null) {
                    meters.forEach(registry::remove);
                }
            }
        });
    }

    /** NaN (no sample in Prometheus) while the policy does not set the value. */
    private Gauge gauge(String name, QosSlot s, java.util.function.Function<QosPolicy, Long> value, Tags tags, String description) {
        ToDoubleFunction<QosSlot> f = slot -> {
            QosPolicy p = slot.policy();
            Long v = p == null ? null : value.apply(p);
            return v == null ? Double.NaN : v;
        };
        return Gauge.builder(name, s, f).tags(tags).description(description).register(registry);
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (node.qos() != null) {
            node.qos().tick();
        }
    }
}
