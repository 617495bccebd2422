package io.galleonfs.node.metrics;

import io.galleonfs.node.volume.metrics.IoOp;
import io.galleonfs.node.volume.metrics.VolumeMeter;
import io.galleonfs.node.volume.metrics.VolumeMeters;
import io.galleonfs.node.volume.metrics.VolumeMetricsReport;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Exports each volume meter as Micrometer meters (Prometheus at /q/metrics): counters read the meter's adders when
 * scraped, and read/write latency goes to a Timer with a few fixed buckets. The buckets are few on purpose: every bucket
 * is one series per volume and op, and with a thousand volumes a scrape must stay small (at most 5 MB). Trim and flush get
 * counts only.
 */
public final class MicrometerVolumeMeters implements VolumeMeters.Listener {
    public static final String OPERATIONS = "galleon.volume.io.operations";
    public static final String BYTES = "galleon.volume.io.bytes";
    public static final String ERRORS = "galleon.volume.io.errors";
    public static final String INFLIGHT = "galleon.volume.io.inflight";
    public static final String LATENCY = "galleon.volume.io.latency";
    /**
     * Six buckets from 100 µs to 250 ms (plus +Inf): local reads land in the first, durable and replicated writes in the
     * middle, stalls in the last. Each bucket is a series per volume and op; with more, a thousand volumes' scrape would
     * exceed 5 MB.
     */
    static final Duration[] BUCKETS = {Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofMillis(1),
            Duration.ofMillis(5), Duration.ofMillis(25), Duration.ofMillis(250)};
    private static final List<IoOp> TIMED = List.of(IoOp.READ, IoOp.WRITE);

    private final MeterRegistry registry;
    private final Map<UUID, List<Meter>> exported = new ConcurrentHashMap<>();

    public MicrometerVolumeMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void added(VolumeMeter m) {
        Tags volume = Tags.of("namespace", VolumeMetricsReport.NAMESPACE, "volume", m.name(), "volume_id", m.id().toString());
        List<Meter> meters = new java.util.ArrayList<>();
        for (IoOp op : IoOp.values()) {
            Tags tags = volume.and("op", op.label());
            meters.add(FunctionCounter.builder(OPERATIONS, m, x -> x.operations(op)).tags(tags)
                    .description("Successful I/O operations on the volume that entered this node").register(registry));
            if (op != IoOp.FLUSH) {
                meters.add(FunctionCounter.builder(BYTES, m, x -> x.bytes(op)).tags(tags).baseUnit("bytes")
                        .description("Bytes read, written or trimmed by successful operations").register(registry));
            }
        }
        // One error series per volume, not per op: errors are rare, and the JSON snapshot has them per op.
        meters.add(FunctionCounter.builder(ERRORS, m, MicrometerVolumeMeters::errors).tags(volume)
                .description("Failed I/O operations on the volume that entered this node").register(registry));
        for (IoOp op : TIMED) {
            Timer timer = Timer.builder(LATENCY).tags(volume.and("op", op.label())).serviceLevelObjectives(BUCKETS)
                    .description("Latency of successful I/O operations, from the frontend's call to its return").register(registry);
            meters.add(timer);
            m.observeLatency(op, nanos -> timer.record(nanos, TimeUnit.NANOSECONDS));
        }
        meters.add(Gauge.builder(INFLIGHT, m, VolumeMeter::inflight).tags(volume)
                .description("I/O requests on the volume in progress on this node (queue depth)").register(registry));
        exported.put(m.id(), meters);
    }

    private static double errors(VolumeMeter m) {
        long n = 0;
        for (IoOp op : IoOp.values()) {
            n += m.errors(op);
        }
        return n;
    }

    @Override
    public void removed(VolumeMeter m) {
        List<Meter> meters = exported.remove(m.id());
        if (meters != null) {
            meters.forEach(registry::remove);
        }
    }
}
