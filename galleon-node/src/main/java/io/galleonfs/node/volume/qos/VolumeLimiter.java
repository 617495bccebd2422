package io.galleonfs.node.volume.qos;

import io.galleonfs.api.QosPolicy;

/**
 * The limits of one volume's policy: IOPS and bytes per second, each with its burst. Every operation costs one IOPS
 * token and its bytes; the delay is the longer of the two. Thread-safe (one short lock per operation, only for volumes
 * that have limits).
 */
final class VolumeLimiter {
    private final RateLimit iops;
    private final RateLimit bytes;

    private VolumeLimiter(RateLimit iops, RateLimit bytes) {
        this.iops = iops;
        this.bytes = bytes;
    }

    /** The limiter for a validated policy, or null when it limits nothing. */
    static VolumeLimiter of(QosPolicy p, long now) {
        QosPolicy.Limits l = p.limits();
        if (l == null || (l.iops() == null && l.throughputMbps() == null)) {
            return null;
        }
        QosPolicy.Burstable b = p.burstable();
        boolean burst = b != null && !Boolean.FALSE.equals(b.enabled()) && b.durationSeconds() != null;
        long seconds = burst ? b.durationSeconds() : 0;
        RateLimit iops = l.iops() == null ? null
                : new RateLimit(l.iops(), burst ? multiplier(b.iopsMultiplier()) : 1, seconds, now);
        RateLimit bytes = l.throughputMbps() == null ? null
                : new RateLimit(l.throughputMbps() * 1e6, burst ? multiplier(b.throughputMultiplier()) : 1, seconds, now);
        return new VolumeLimiter(iops, bytes);
    }

    private static double multiplier(Double m) {
        return m == null ? 1 : m;
    }

    synchronized long admit(long ops, long byteCount, long now) {
        long d = iops == null || ops == 0 ? 0 : iops.take(ops, now);
        return bytes == null || byteCount == 0 ? d : Math.max(d, bytes.take(byteCount, now));
    }
}
