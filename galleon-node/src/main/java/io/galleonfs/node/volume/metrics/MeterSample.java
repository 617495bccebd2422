package io.galleonfs.node.volume.metrics;

/**
 * The cumulative counters of one volume at one instant (arrays indexed by {@link IoOp#ordinal()}). Immutable once taken:
 * windows are the difference of two samples. {@code cacheHits} and {@code cacheMisses} are the engine's cumulative block
 * reads of the volume's copy on this node through the cache of decrypted blocks (0 for plain volumes).
 */
public record MeterSample(long nanos, long[] ops, long[] bytes, long[] errors, long[][] latency, long cacheHits, long cacheMisses) {

    public MeterSample(long nanos, long[] ops, long[] bytes, long[] errors, long[][] latency) {
        this(nanos, ops, bytes, errors, latency, 0, 0);
    }

    public long totalOps() {
        long n = 0;
        for (long o : ops) {
            n += o;
        }
        return n;
    }

    public long totalErrors() {
        long n = 0;
        for (long e : errors) {
            n += e;
        }
        return n;
    }

    /** Whether nothing happened between {@code older} and this sample (I/O that failed counts as something). */
    boolean sameCountsAs(MeterSample older) {
        return totalOps() == older.totalOps() && totalErrors() == older.totalErrors();
    }
}
