package io.galleonfs.node.volume.metrics;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The last {@value #SECONDS} seconds of one volume's samples, one per second, so that rates and percentiles can be given
 * over the last second and the last ten. One thread adds (the ticker); any thread reads. An idle volume's new sample
 * shares the previous one's arrays, so a thousand idle volumes cost no copying.
 */
public final class MeterHistory {
    static final int SECONDS = 10;
    private final AtomicReferenceArray<MeterSample> ring = new AtomicReferenceArray<>(SECONDS + 2);
    // One slot more than the windows read, so the slot being overwritten is never one a reader is about to use.
    private volatile int added;

    void add(VolumeMeter meter, long nanos, long cacheHits, long cacheMisses) {
        MeterSample last = latest();
        MeterSample s;
        if (last != null && meter.inflight() == 0 && sameTotals(meter, last)) {
            s = new MeterSample(nanos, last.ops(), last.bytes(), last.errors(), last.latency(), cacheHits, cacheMisses);
        } else {
            s = meter.sample(nanos, cacheHits, cacheMisses);
        }
        ring.set(added % ring.length(), s);
        added = added + 1;
    }

    private static boolean sameTotals(VolumeMeter meter, MeterSample last) {
        for (IoOp op : IoOp.values()) {
            if (meter.operations(op) != last.ops()[op.ordinal()] || meter.errors(op) != last.errors()[op.ordinal()]) {
                return false;
            }
        }
        return true;
    }

    /** The newest sample, or null before the first tick. */
    public MeterSample latest() {
        int n = added;
        return n == 0 ? null : ring.get((n - 1) % ring.length());
    }

    /** The sample {@code seconds} ticks before the newest (or the oldest kept, if fewer), or null before two ticks. */
    public MeterSample before(int seconds) {
        int n = added;
        if (n < 2) {
            return null;
        }
        int back = Math.min(Math.min(seconds, SECONDS), n - 1);
        return ring.get((n - 1 - back) % ring.length());
    }
}
