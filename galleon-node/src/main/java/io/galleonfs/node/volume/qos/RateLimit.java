package io.galleonfs.node.volume.qos;

/**
 * One limited quantity (operations or bytes) of a volume: a sustained bucket refilled at the limit and, when burst is on,
 * a peak bucket refilled at limit x multiplier. The sustained bucket holds the burst credit: (multiplier - 1) x limit x
 * duration on top of a short smoothing window, so a volume running at the peak rate drains it in exactly the burst
 * duration and then falls back to the limit; idle (or below the limit) it earns the credit back at the limit's rate.
 * Without burst the peak bucket is absent and the sustained bucket holds only the smoothing window.
 */
final class RateLimit {
    /** A bucket starts with this much time at the limit: small, so a short run cannot exceed the limit by much. */
    static final double WINDOW_SECONDS = 0.05;
    /**
     * A bucket holds at most this much time at the limit (plus burst credit): a volume that stalled (a slow flush, a busy
     * CPU) may catch up on the time it lost, up to this, instead of ending below its limit.
     */
    static final double CATCH_UP_SECONDS = 0.25;

    private final TokenBucket sustained;
    private final TokenBucket peak;

    RateLimit(double limit, double burstMultiplier, long burstSeconds, long now) {
        double window = limit * WINDOW_SECONDS;
        boolean burst = burstMultiplier > 1 && burstSeconds > 0;
        double credit = burst ? (burstMultiplier - 1) * limit * burstSeconds : 0;
        // Starts with the whole burst credit: a volume that has not used its burst yet has earned it.
        this.sustained = new TokenBucket(limit, limit * CATCH_UP_SECONDS + credit, window + credit, now);
        this.peak = burst ? new TokenBucket(limit * burstMultiplier, window * burstMultiplier, window * burstMultiplier, now) : null;
    }

    /** Charges {@code n} and returns the delay in nanoseconds the caller must wait (the later of both buckets). */
    long take(double n, long now) {
        long d = sustained.take(n, now);
        return peak == null ? d : Math.max(d, peak.take(n, now));
    }

    /** Burst credit left (tokens above the smoothing window), for reports. */
    double credit(long now) {
        return sustained.tokens(now);
    }
}
