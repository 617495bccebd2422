package io.galleonfs.engine;

import static io.galleonfs.engine.TestSupport.BS;
import static io.galleonfs.engine.TestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The apply thread writes only the newest version of a block per stretch of a batch and merges adjacent
 * blocks into one write. Writers that rewrite overlapping ranges, trim and zero in quick succession (so
 * that one batch holds several versions of a block, runs across versions, and trims between them) must
 * still leave exactly the last content: read back live, after a clean reopen (checkpointed files) and
 * after a crash (journal replay).
 */
class CoalescedApplyTest {
    private static final int THREADS = 4;
    private static final int REGION_BLOCKS = 256;
    private static final int OPS = 400;

    @TempDir
    Path tmp;

    @Test
    void overlappingRewritesTrimsAndZeroesLeaveTheLastContent() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        byte[][] models = new byte[THREADS][REGION_BLOCKS * BS];
        byte[] snapshotModel;
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root, BS, 4L << 20))) {
            Volume v = engine.create(id, (long) THREADS * REGION_BLOCKS * BS, false);
            runWriters(v, models, 1);
            v.createSnapshot("mid");
            snapshotModel = concat(models);
            runWriters(v, models, 2);
            assertArrayEquals(concat(models), TestSupport.read(v, 0, THREADS * REGION_BLOCKS * BS), "live read");
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root, BS, 4L << 20))) {
            Volume v = engine.find(id).orElseThrow();
            assertArrayEquals(concat(models), TestSupport.read(v, 0, THREADS * REGION_BLOCKS * BS), "after a clean reopen");
            assertArrayEquals(snapshotModel, TestSupport.readSnapshot(v, "mid", 0, THREADS * REGION_BLOCKS * BS));
            runWriters(v, models, 3);
            v.flush();
            engine.abandonForTest();
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root, BS, 4L << 20))) {
            Volume v = engine.find(id).orElseThrow();
            assertArrayEquals(concat(models), TestSupport.read(v, 0, THREADS * REGION_BLOCKS * BS), "after a crash");
            assertArrayEquals(snapshotModel, TestSupport.readSnapshot(v, "mid", 0, THREADS * REGION_BLOCKS * BS));
            assertTrue(v.verify().healthy());
        }
    }

    /** Each thread owns one region and keeps its model; operations inside a region overlap heavily. */
    private static void runWriters(Volume v, byte[][] models, int round) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    Random random = new Random(round * 1000L + thread);
                    byte[] model = models[thread];
                    long base = (long) thread * REGION_BLOCKS * BS;
                    for (int i = 0; i < OPS; i++) {
                        int first = random.nextInt(REGION_BLOCKS);
                        int count = 1 + random.nextInt(Math.min(64, REGION_BLOCKS - first));
                        int kind = random.nextInt(10);
                        if (kind == 0) {
                            v.trim(base + (long) first * BS, (long) count * BS);
                            Arrays.fill(model, first * BS, (first + count) * BS, (byte) 0);
                        } else if (kind == 1) {
                            v.write(base + (long) first * BS, ByteBuffer.allocate(count * BS), WriteConcern.ACKNOWLEDGED);
                            Arrays.fill(model, first * BS, (first + count) * BS, (byte) 0);
                        } else {
                            byte[] data = pattern(round * 1_000_000L + thread * 10_000L + i, count * BS);
                            v.write(base + (long) first * BS, ByteBuffer.wrap(data), WriteConcern.ACKNOWLEDGED);
                            System.arraycopy(data, 0, model, first * BS, data.length);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static byte[] concat(byte[][] parts) {
        byte[] out = new byte[parts.length * parts[0].length];
        for (int i = 0; i < parts.length; i++) {
            System.arraycopy(parts[i], 0, out, i * parts[0].length, parts[i].length);
        }
        return out;
    }
}
