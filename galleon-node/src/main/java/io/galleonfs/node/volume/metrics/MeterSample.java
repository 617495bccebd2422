package io.galleonfs.node.volume.metrics;

/**
 * The cumulative counters of one volume at one instant (arrays indexed by {@link IoOp#ordinal()}). Immutable once taken:
 * windows are the difference of two samples.
 */
public record MeterSample(long nanos, long[] ops, long[] bytes, long[] errors, long[][] latency) {

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
