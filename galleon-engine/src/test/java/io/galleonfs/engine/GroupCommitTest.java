package io.galleonfs.engine;

import static io.galleonfs.engine.TestSupport.BS;
import static io.galleonfs.engine.TestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitTest {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(GroupCommitTest.class);

    @TempDir
    Path tmp;

    @Test
    void concurrentDurableWritersShareFsyncs() throws Exception {
        int threads = 32;
        int writesPerThread = 40;
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(tmp.resolve("root")))) {
            Volume v = engine.create(UUID.randomUUID(), (long) threads * writesPerThread * BS, false);
            EngineStats before = engine.stats();
            CyclicBarrier start = new CyclicBarrier(threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    futures.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < writesPerThread; i++) {
                            long block = (long) thread * writesPerThread + i;
                            v.write(block * BS, ByteBuffer.wrap(pattern(block, BS)), WriteConcern.DURABLE);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            EngineStats after = engine.stats();
            long durable = after.durableWrites() - before.durableWrites();
            long fsyncs = after.fsyncs() - before.fsyncs();
            assertEquals((long) threads * writesPerThread, durable);
            LOG.infof("group commit: %d fsyncs for %d durable writes", fsyncs, durable);
            assertTrue(fsyncs * 4 < durable, fsyncs + " fsyncs for " + durable + " durable writes");
            for (long block = 0; block < (long) threads * writesPerThread; block += 97) {
                assertArrayEquals(pattern(block, BS), TestSupport.read(v, block * BS, BS));
            }
        }
    }
}
