package io.galleonfs.api;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sums one volume's figures from the nodes where its I/O entered (each node meters what entered there, so the sum is
 * the volume's cluster-wide I/O, each operation counted once). Rates, totals and in-flight add up. Latency percentiles
 * cannot be merged exactly without the histograms; the merged value is the largest of the nodes' values, which is an
 * upper bound of the true percentile (if every node has at most 1 % of its operations above x, so does their union).
 */
public final class VolumeMetricsMerge {
    private VolumeMetricsMerge() {
    }

    /** One volume's figures from several nodes ({@code node} names how many answered); throws on an empty list. */
    public static VolumeMetrics merge(List<VolumeMetrics> perNode) {
        if (perNode.isEmpty()) {
            throw new IllegalArgumentException("no figures to merge");
        }
        if (perNode.size() == 1) {
            return perNode.getFirst();
        }
        VolumeMetrics first = perNode.getFirst();
        long inflight = 0;
        long timestamp = 0;
        for (VolumeMetrics m : perNode) {
            if (!m.volumeId().equals(first.volumeId())) {
                throw new IllegalArgumentException("figures of volumes " + first.volumeId() + " and " + m.volumeId() + " cannot be merged");
            }
            inflight += m.inflight();
            timestamp = Math.max(timestamp, m.timestampMillis());
        }
        return new VolumeMetrics(first.volume(), first.volumeId(), first.namespace(), perNode.size() + " nodes", timestamp, inflight,
                window(perNode.stream().map(VolumeMetrics::lastSecond).toList()),
                window(perNode.stream().map(VolumeMetrics::lastTenSeconds).toList()),
                totals(perNode.stream().map(VolumeMetrics::totals).toList()));
    }

    /** Every volume's figures merged across the nodes' lists (as {@code GET /metrics/volumes} answers them), by volume id. */
    public static List<VolumeMetrics> mergeAll(Collection<List<VolumeMetrics>> perNode) {
        Map<String, List<VolumeMetrics>> byVolume = new TreeMap<>();
        perNode.forEach(list -> list.forEach(m -> byVolume.computeIfAbsent(m.volumeId(), k -> new java.util.ArrayList<>()).add(m)));
        return byVolume.values().stream().map(VolumeMetricsMerge::merge).toList();
    }

    private static VolumeMetrics.Window window(List<VolumeMetrics.Window> ws) {
        double seconds = 0;
        double r = 0;
        double w = 0;
        double t = 0;
        double f = 0;
        double rmb = 0;
        double wmb = 0;
        double err = 0;
        double hits = 0;
        double misses = 0;
        for (VolumeMetrics.Window x : ws) {
            seconds = Math.max(seconds, x.seconds());
            r += x.readIops();
            w += x.writeIops();
            t += x.trimIops();
            f += x.flushIops();
            rmb += x.readMbPerSecond();
            wmb += x.writeMbPerSecond();
            err += x.errorsPerSecond();
            hits += x.readCacheHitsPerSecond();
            misses += x.readCacheMissesPerSecond();
        }
        return new VolumeMetrics.Window(seconds, r, w, t, f, rmb, wmb, err,
                latency(ws.stream().map(VolumeMetrics.Window::readLatency).toList()),
                latency(ws.stream().map(VolumeMetrics.Window::writeLatency).toList()), hits, misses,
                VolumeMetrics.Window.hitRatio(hits, misses));
    }

    private static VolumeMetrics.Latency latency(List<VolumeMetrics.Latency> ls) {
        double p50 = 0;
        double p99 = 0;
        double p999 = 0;
        for (VolumeMetrics.Latency l : ls) {
            p50 = Math.max(p50, l.p50Ms());
            p99 = Math.max(p99, l.p99Ms());
            p999 = Math.max(p999, l.p999Ms());
        }
        return new VolumeMetrics.Latency(p50, p99, p999);
    }

    private static VolumeMetrics.Totals totals(List<VolumeMetrics.Totals> ts) {
        long[] s = new long[11];
        for (VolumeMetrics.Totals t : ts) {
            long[] v = {t.reads(), t.writes(), t.trims(), t.flushes(), t.readBytes(), t.writeBytes(), t.trimBytes(), t.readErrors(),
                t.writeErrors(), t.trimErrors(), t.flushErrors()};
            for (int i = 0; i < s.length; i++) {
                s[i] += v[i];
            }
        }
        return new VolumeMetrics.Totals(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10]);
    }
}
