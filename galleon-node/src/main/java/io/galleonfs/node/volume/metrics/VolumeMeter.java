package io.galleonfs.node.volume.metrics;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The I/O counters of one volume on this node: operations, bytes and failures per {@link IoOp}, the number of requests in
 * flight (the queue depth the frontends put on the volume) and a latency histogram per op. Many threads record at once:
 * counters are {@link LongAdder}s and the histograms lock-free arrays, so recording neither locks nor allocates.
 * Failed operations count only as errors (not as operations or bytes), and their latency is not recorded, so a burst of
 * fast rejections cannot make the volume look quick.
 */
public final class VolumeMeter {
    private final UUID id;
    private final String name;
    private final LongAdder[] ops = adders();
    private final LongAdder[] bytes = adders();
    private final LongAdder[] errors = adders();
    private final LatencyHistogram[] latency = new LatencyHistogram[IoOp.COUNT];
    // One AtomicLong, not a LongAdder: a gauge of in-flight requests must never read a torn (negative) sum.
    private final AtomicLong inflight = new AtomicLong();
    /** The coarse per-op latency buckets Prometheus scrapes. */
    private final ExportedLatency[] exported = new ExportedLatency[IoOp.COUNT];
    private final MeterHistory history = new MeterHistory();

    public VolumeMeter(UUID id, String name) {
        this.id = id;
        this.name = name;
        for (int i = 0; i < IoOp.COUNT; i++) {
            latency[i] = new LatencyHistogram();
            exported[i] = new ExportedLatency();
        }
    }

    private static LongAdder[] adders() {
        LongAdder[] a = new LongAdder[IoOp.COUNT];
        for (int i = 0; i < a.length; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    public UUID id() {
        return id;
    }

    public String name() {
        return name;
    }

    /** Marks a request as started; pass the returned start time to {@link #succeeded} or {@link #failed}. */
    public long begin() {
        inflight.incrementAndGet();
        return System.nanoTime();
    }

    public void succeeded(IoOp op, long startNanos, long byteCount) {
        long elapsed = System.nanoTime() - startNanos;
        inflight.decrementAndGet();
        int i = op.ordinal();
        ops[i].increment();
        if (byteCount > 0) {
            bytes[i].add(byteCount);
        }
        latency[i].record(elapsed);
        exported[i].record(elapsed);
    }

    /** A request {@link #begin begun} that did not start after all (the caller makes it another way, measured anew). */
    public void abandoned() {
        inflight.decrementAndGet();
    }

    public void failed(IoOp op) {
        inflight.decrementAndGet();
        errors[op.ordinal()].increment();
    }

    /** The op's latency in the buckets Prometheus scrapes. */
    public ExportedLatency exportedLatency(IoOp op) {
        return exported[op.ordinal()];
    }

    public long operations(IoOp op) {
        return ops[op.ordinal()].sum();
    }

    public long bytes(IoOp op) {
        return bytes[op.ordinal()].sum();
    }

    public long errors(IoOp op) {
        return errors[op.ordinal()].sum();
    }

    public long inflight() {
        return inflight.get();
    }

    /** Copies the counters now, with the read cache's cumulative counts of the volume's copy on this node. */
    public MeterSample sample(long nanos, long cacheHits, long cacheMisses) {
        long[] o = new long[IoOp.COUNT];
        long[] b = new long[IoOp.COUNT];
        long[] e = new long[IoOp.COUNT];
        long[][] l = new long[IoOp.COUNT][];
        for (int i = 0; i < IoOp.COUNT; i++) {
            o[i] = ops[i].sum();
            b[i] = bytes[i].sum();
            e[i] = errors[i].sum();
            l[i] = new long[LatencyHistogram.BUCKETS];
            latency[i].copyCounts(l[i]);
        }
        return new MeterSample(nanos, o, b, e, l, cacheHits, cacheMisses);
    }

    /** Takes this second's sample into the history (called once a second by one thread). */
    void tick(long nanos) {
        tick(nanos, 0, 0);
    }

    /** As {@link #tick(long)}, with the cumulative read-cache hits and misses of the volume's copy on this node now. */
    void tick(long nanos, long cacheHits, long cacheMisses) {
        history.add(this, nanos, cacheHits, cacheMisses);
    }

    public MeterHistory history() {
        return history;
    }
}
