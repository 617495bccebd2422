package io.galleonfs.node.volume.metrics;

import io.galleonfs.api.VolumeMetrics;
import java.util.UUID;

/** Turns a volume's sampled counters into the figures the API reports: rates and percentiles over a window, totals. */
public final class VolumeMetricsReport {
    /** The namespace reported when the caller does not know the volume's (a meter outlives its deleted volume). */
    public static final String NAMESPACE = "default";
    private static final double MB = 1_000_000.0;
    private static final VolumeMetrics.Latency NO_LATENCY = new VolumeMetrics.Latency(0, 0, 0);
    private static final VolumeMetrics.Window EMPTY = new VolumeMetrics.Window(0, 0, 0, 0, 0, 0, 0, 0, NO_LATENCY, NO_LATENCY);

    private VolumeMetricsReport() {
    }

    /** Figures of a volume that has a meter on this node. */
    public static VolumeMetrics of(VolumeMeter meter, String node, long nowMillis) {
        return of(meter, node, nowMillis, NAMESPACE);
    }

    public static VolumeMetrics of(VolumeMeter meter, String node, long nowMillis, String namespace) {
        MeterHistory h = meter.history();
        MeterSample newest = h.latest();
        return new VolumeMetrics(meter.name(), meter.id().toString(), namespace, node, nowMillis, meter.inflight(),
                window(h.before(1), newest), window(h.before(MeterHistory.SECONDS), newest), totals(meter));
    }

    /** Figures of a volume that no I/O has entered on this node yet. */
    public static VolumeMetrics idle(UUID id, String name, String node, long nowMillis) {
        return idle(id, name, node, nowMillis, NAMESPACE);
    }

    public static VolumeMetrics idle(UUID id, String name, String node, long nowMillis, String namespace) {
        return new VolumeMetrics(name, id.toString(), namespace, node, nowMillis, 0, EMPTY, EMPTY,
                new VolumeMetrics.Totals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    static VolumeMetrics.Window window(MeterSample older, MeterSample newer) {
        if (older == null || newer == null || newer.nanos() <= older.nanos()) {
            return EMPTY;
        }
        double seconds = (newer.nanos() - older.nanos()) / 1e9;
        // Engine counters only grow while the engine runs; a copy re-created here (moved away and back) starts again at 0.
        long hits = Math.max(0, newer.cacheHits() - older.cacheHits());
        long misses = Math.max(0, newer.cacheMisses() - older.cacheMisses());
        return new VolumeMetrics.Window(round(seconds),
                round(delta(older.ops(), newer.ops(), IoOp.READ) / seconds),
                round(delta(older.ops(), newer.ops(), IoOp.WRITE) / seconds),
                round(delta(older.ops(), newer.ops(), IoOp.TRIM) / seconds),
                round(delta(older.ops(), newer.ops(), IoOp.FLUSH) / seconds),
                round(delta(older.bytes(), newer.bytes(), IoOp.READ) / seconds / MB),
                round(delta(older.bytes(), newer.bytes(), IoOp.WRITE) / seconds / MB),
                round((newer.totalErrors() - older.totalErrors()) / seconds),
                latency(older, newer, IoOp.READ), latency(older, newer, IoOp.WRITE),
                round(hits / seconds), round(misses / seconds), VolumeMetrics.Window.hitRatio(hits, misses));
    }

    private static long delta(long[] older, long[] newer, IoOp op) {
        return newer[op.ordinal()] - older[op.ordinal()];
    }

    private static VolumeMetrics.Latency latency(MeterSample older, MeterSample newer, IoOp op) {
        long[] a = older.latency()[op.ordinal()];
        long[] b = newer.latency()[op.ordinal()];
        if (a == b) {
            return NO_LATENCY;
        }
        long[] window = new long[b.length];
        for (int i = 0; i < b.length; i++) {
            window[i] = b[i] - a[i];
        }
        return new VolumeMetrics.Latency(millis(LatencyHistogram.percentileNanos(window, 0.50)),
                millis(LatencyHistogram.percentileNanos(window, 0.99)), millis(LatencyHistogram.percentileNanos(window, 0.999)));
    }

    private static VolumeMetrics.Totals totals(VolumeMeter m) {
        return new VolumeMetrics.Totals(m.operations(IoOp.READ), m.operations(IoOp.WRITE), m.operations(IoOp.TRIM),
                m.operations(IoOp.FLUSH), m.bytes(IoOp.READ), m.bytes(IoOp.WRITE), m.bytes(IoOp.TRIM), m.errors(IoOp.READ),
                m.errors(IoOp.WRITE), m.errors(IoOp.TRIM), m.errors(IoOp.FLUSH));
    }

    private static double millis(double nanos) {
        return Math.round(nanos / 1000.0) / 1000.0;
    }

    private static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }
}
