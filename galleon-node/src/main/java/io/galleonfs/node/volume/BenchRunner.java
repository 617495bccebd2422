package io.galleonfs.node.volume;

import io.galleonfs.node.blockio.VolumeIo;
import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.api.BenchRequest;
import io.galleonfs.api.BenchResult;
import io.galleonfs.api.Sizes;
import io.galleonfs.node.meta.VolumeRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * {@code galleonfs bench}: like {@code rbd bench}, N threads issue I/Os of one size, sequential or random, until a
 * total is reached, straight against the engine inside the daemon (so the figures are the storage path's, not
 * HTTP's). Writes overwrite the volume's data.
 * <p>A run is bounded three ways, because it holds a core and memory for as long as it lasts: the total may be at most
 * {@value #MAX_PASSES} passes over the volume (at least {@value #MIN_TOTAL_CAP_TEXT}), it stops at its time limit and
 * reports what it did, and it stops at once when its caller goes away. Latency samples are capped node-wide per run.
 */
public final class BenchRunner {
    static final int MAX_THREADS = 256;
    /** Worker threads are named after the volume, so a run in progress is visible in a thread dump. */
    public static final String THREAD_PREFIX = "galleon-bench-";
    static final long MAX_PASSES = 16;
    static final long MIN_TOTAL_CAP = 4L << 30;
    static final String MIN_TOTAL_CAP_TEXT = "4G";
    static final int DEFAULT_SECONDS = 300;
    /** Below the HTTP idle timeout, so a long run is never cut off while its caller waits for the answer. */
    static final int MAX_SECONDS = 1200;
    /** Latency samples of one run, shared by its threads: 8 MiB, enough for stable percentiles. */
    static final int MAX_SAMPLES = 1 << 20;

    private final VolumeService volumes;
    private final VolumeDataService data;
    private final WriteConcernPolicy concerns;

    public BenchRunner(VolumeService volumes, VolumeDataService data, WriteConcernPolicy concerns) {
        this.volumes = volumes;
        this.data = data;
        this.concerns = concerns;
    }

    public BenchResult run(String ref, BenchRequest req) {
        return run(ref, req, () -> false);
    }

    /** Runs until the total is done, the time limit passes or {@code cancelled} says the caller went away. */
    public BenchResult run(String ref, BenchRequest req, BooleanSupplier cancelled) {
        BenchRequest r = req == null ? new BenchRequest(null, null, null, null, null, null, null) : req;
        VolumeRecord v = volumes.get(ref);
        String type = r.ioType() == null ? "write" : r.ioType();
        if (!type.equals("read") && !type.equals("write")) {
            throw GalleonException.badRequest("io_type must be read or write, got '" + type + "'");
        }
        String pattern = r.ioPattern() == null ? "seq" : r.ioPattern();
        if (!pattern.equals("seq") && !pattern.equals("rand")) {
            throw GalleonException.badRequest("io_pattern must be seq or rand, got '" + pattern + "'");
        }
        long ioSize = parse("io_size", r.ioSize() == null ? "4K" : r.ioSize());
        long total = parse("io_total", r.ioTotal() == null ? "1G" : r.ioTotal());
        int threads = r.ioThreads() == null ? 16 : r.ioThreads();
        if (threads < 1 || threads > MAX_THREADS) {
            throw GalleonException.badRequest("io_threads must be between 1 and " + MAX_THREADS + ", got " + threads);
        }
        if (ioSize > VolumeDataService.MAX_TRANSFER || ioSize > v.sizeBytes()) {
            throw GalleonException.badRequest("io_size " + r.ioSize() + " is larger than the volume or than 8M");
        }
        if (total < ioSize) {
            throw GalleonException.badRequest("io_total must be at least io_size");
        }
        long cap = Math.max(MIN_TOTAL_CAP, v.sizeBytes() > Long.MAX_VALUE / MAX_PASSES ? Long.MAX_VALUE : v.sizeBytes() * MAX_PASSES);
        if (total > cap) {
            throw GalleonException.badRequest("io_total " + r.ioTotal() + " is more than " + MAX_PASSES
                    + " passes over the volume (at most " + Sizes.format(cap) + ")");
        }
        int maxSeconds = r.maxSeconds() == null ? DEFAULT_SECONDS : r.maxSeconds();
        if (maxSeconds < 1 || maxSeconds > MAX_SECONDS) {
            throw GalleonException.badRequest("max_seconds must be between 1 and " + MAX_SECONDS + ", got " + maxSeconds);
        }
        WriteConcern requested = concerns.parse(r.writeConcern() == null ? "acknowledged" : r.writeConcern());
        VolumeIo vol = data.io(v);
        long ops = total / ioSize;
        long slots = v.sizeBytes() / ioSize;
        AtomicLong next = new AtomicLong();
        AtomicLong done = new AtomicLong();
        List<long[]> latencies = new ArrayList<>();
        long start = System.nanoTime();
        long deadline = start + maxSeconds * 1_000_000_000L;
        Stop stop = new Stop(deadline, cancelled);
        int samplesPerThread = (int) Math.min(ops, MAX_SAMPLES / threads);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name(THREAD_PREFIX + v.name() + "-", 0)
                .factory())) {
            List<Future<long[]>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final long seed = t * 0x9E3779B97F4A7C15L + 1;
                futures.add(pool.submit(() -> worker(vol, type.equals("write"), pattern.equals("rand"), (int) ioSize, ops, slots,
                        next, done, requested, seed, samplesPerThread, stop)));
            }
            for (Future<long[]> f : futures) {
                latencies.add(f.get());
            }
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof IOException io) {
                throw EngineErrors.translate(v.name(), io);
            }
            throw new GalleonException(GalleonException.Kind.STORAGE, "bench failed: " + cause.getMessage());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).filter(x -> x >= 0).sorted().toArray();
        long did = done.get();
        return new BenchResult(v.name(), type, pattern, (int) ioSize, threads, requested.wire(), did, did * ioSize, seconds,
                did / seconds, did * ioSize / seconds / 1e6, percentile(all, 0.50) / 1e3, percentile(all, 0.99) / 1e3,
                stop.reason());
    }

    /** Why a run ends before its total: checked by every worker before each I/O. */
    private static final class Stop {
        private final long deadline;
        private final BooleanSupplier cancelled;
        private volatile String reason;

        Stop(long deadline, BooleanSupplier cancelled) {
            this.deadline = deadline;
            this.cancelled = cancelled;
        }

        boolean now() {
            if (reason != null) {
                return true;
            }
            if (cancelled.getAsBoolean()) {
                reason = "cancelled";
            } else if (System.nanoTime() - deadline > 0) {
                reason = "time limit";
            }
            return reason != null;
        }

        String reason() {
            return reason;
        }
    }

    private static long[] worker(VolumeIo vol, boolean write, boolean random, int ioSize, long ops, long slots, AtomicLong next,
                                 AtomicLong done, WriteConcern concern, long seed, int samples, Stop stop)
            throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        ByteBuffer buf = ByteBuffer.allocate(ioSize);
        byte[] payload = new byte[ioSize];
        rnd.nextBytes(payload);
        long[] lat = new long[samples];
        Arrays.fill(lat, -1);
        int recorded = 0;
        long i;
        while (!stop.now() && (i = next.getAndIncrement()) < ops) {
            long slot = random ? rnd.nextLong(slots) : i % slots;
            long offset = slot * ioSize;
            buf.clear();
            long t0 = System.nanoTime();
            if (write) {
                buf.put(payload).flip();
                vol.write(offset, buf, concern);
            } else {
                vol.read(offset, buf);
            }
            long dt = System.nanoTime() - t0;
            done.incrementAndGet();
            if (recorded < lat.length) {
                lat[recorded++] = dt;
            }
        }
        return lat;
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    }

    private static long parse(String field, String text) {
        try {
            return Sizes.parse(text);
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest(field + ": " + e.getMessage());
        }
    }
}
