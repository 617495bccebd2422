package io.galleonfs.node.volume.qos;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.Volume;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Measures the node's 4 KiB random IOPS capacity with a short real I/O test through the engine: a temporary plain volume
 * (not in metadata, so a crash mid-run leaves an orphan the next start removes), {@link #QUEUE_DEPTH} threads of random
 * 4 KiB writes acknowledged like an NBD client's, a warm-up of {@link #WARM_UP} (JIT, allocation of the volume's blocks),
 * then the measured run; then as long again of 1 MiB writes from {@link #THROUGHPUT_DEPTH} threads for the throughput
 * (MB/s); the volume is deleted afterwards whatever happens. Writes, not reads: a write costs the node more (journal and
 * apply), so the figures are the conservative ones for a mixed load. One calibration at a time.
 */
public final class CapacityCalibrator {
    private static final Logger LOG = Logger.getLogger(CapacityCalibrator.class);
    public static final int QUEUE_DEPTH = 32;
    public static final Duration WARM_UP = Duration.ofSeconds(1);
    public static final int MIN_SECONDS = 1;
    public static final int MAX_SECONDS = 60;
    /** Small enough to be overwritten many times within the warm-up, so the run measures steady overwrites. */
    static final long VOLUME_BYTES = 64L << 20;
    static final int IO_SIZE = 4096;
    static final int THROUGHPUT_IO_SIZE = 1 << 20;
    /** Eight 1 MiB writes in flight keep the journal busy without 32 MiB of buffers. */
    static final int THROUGHPUT_DEPTH = 8;

    private final BlockEngine engine;
    private final LongSupplier clock;
    private final LongSupplier wallMillis;
    private final AtomicBoolean running = new AtomicBoolean();

    public CapacityCalibrator(BlockEngine engine, LongSupplier clock, LongSupplier wallMillis) {
        this.engine = engine;
        this.clock = clock;
        this.wallMillis = wallMillis;
    }

    public static CapacityCalibrator system(BlockEngine engine) {
        return new CapacityCalibrator(engine, System::nanoTime, System::currentTimeMillis);
    }

    /** Thrown when a calibration is asked for while one runs. */
    public static final class BusyException extends RuntimeException {
        BusyException() {
            super("a calibration is already running on this node");
        }
    }

    /**
     * Runs the test for {@code seconds} (after the warm-up) and returns what it measured.
     *
     * @throws IllegalArgumentException for seconds outside {@value #MIN_SECONDS}..{@value #MAX_SECONDS}
     * @throws BusyException            while another calibration runs
     * @throws IOException              when the engine fails (the temporary volume is still removed)
     */
    public Calibration measure(int seconds) throws IOException {
        if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
            throw new IllegalArgumentException("seconds must be from " + MIN_SECONDS + " to " + MAX_SECONDS + ", got " + seconds);
        }
        if (!running.compareAndSet(false, true)) {
            throw new BusyException();
        }
        UUID id = UUID.randomUUID();
        try {
            Volume v = engine.create(id, VOLUME_BYTES, false);
            LOG.infof("calibrating 4 KiB random write IOPS on temporary volume %s: QD%d, %d s after a %d s warm-up", id, QUEUE_DEPTH,
                    seconds, WARM_UP.toSeconds());
            long start = clock.getAsLong();
            long measureFrom = start + WARM_UP.toNanos();
            long end = measureFrom + seconds * 1_000_000_000L;
            long ops = run(v, measureFrom, end, IO_SIZE, QUEUE_DEPTH);
            long iops = Math.max(1, Math.round(ops / (double) seconds));
            // The IOPS run left the volume allocated and the code warm: the throughput run needs no warm-up of its own.
            long bigFrom = clock.getAsLong();
            long bigWrites = run(v, bigFrom, bigFrom + seconds * 1_000_000_000L, THROUGHPUT_IO_SIZE, THROUGHPUT_DEPTH);
            long mbps = Math.max(1, Math.round(bigWrites * (double) THROUGHPUT_IO_SIZE / 1e6 / seconds));
            Calibration c = new Calibration(iops, wallMillis.getAsLong(), seconds, QUEUE_DEPTH, mbps);
            LOG.infof("calibration: %d IOPS (%d 4 KiB writes in %d s), %d MB/s (%d 1 MiB writes in %d s)", iops, ops, seconds, mbps,
                    bigWrites, seconds);
            return c;
        } finally {
            try {
                if (engine.find(id).isPresent()) {
                    engine.delete(id);
                }
            } catch (IOException e) {
                LOG.warnf(e, "temporary calibration volume %s could not be removed; the next start removes it", id);
            } finally {
                running.set(false);
            }
        }
    }

    /** Writes of {@code size} from {@code depth} threads until {@code end}; returns the writes completed in [measureFrom, end). */
    private long run(Volume v, long measureFrom, long end, int size, int depth) throws IOException {
        LongAdder counted = new LongAdder();
        long blocks = VOLUME_BYTES / size;
        try (ExecutorService pool = Executors.newFixedThreadPool(depth,
                Thread.ofPlatform().name("galleon-calibrate-", 0).daemon(true).factory())) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < depth; t++) {
                SplittableRandom random = new SplittableRandom(0x9E3779B97F4A7C15L * (t + 1));
                futures.add(pool.submit(() -> {
                    ByteBuffer buf = ByteBuffer.allocateDirect(size);
                    byte[] data = new byte[size];
                    random.nextBytes(data);
                    buf.put(data).flip();
                    long now;
                    while ((now = clock.getAsLong()) < end) {
                        buf.rewind();
                        v.write(random.nextLong(blocks) * size, buf, WriteConcern.ACKNOWLEDGED);
                        if (now >= measureFrom) {
                            counted.increment();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("calibration interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException io ? io : new IOException("calibration failed: " + cause, cause);
        }
        return counted.sum();
    }
}
