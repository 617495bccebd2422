package io.galleonfs.engine.lsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.engine.StorageFormat;
import io.galleonfs.engine.VolumeExistsException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plain volumes are created with their descriptor written outside the engine's registry lock: still one per id. */
class LogEngineConcurrentCreateTest {
    @TempDir
    Path tmp;

    private BlockEngine open() throws Exception {
        return BlockEngine.open(new EngineConfig(tmp.resolve("root"), 4096, 8L << 20, 16L << 20,
                FileKeyProvider.openOrCreate(tmp.resolve("root.key"))).withFormat(StorageFormat.LOG_V1));
    }

    @Test
    void concurrentCreatesOfOneIdMakeOneVolumeAndOfManyIdsMakeAllAndSurviveAReopen() throws Exception {
        Set<UUID> made = new HashSet<>();
        try (BlockEngine engine = open(); ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (int round = 0; round < 20; round++) {
                UUID contested = UUID.randomUUID();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> tries = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    tries.add(pool.submit(() -> {
                        go.await();
                        return engine.create(contested, 1 << 20, false);
                    }));
                }
                go.countDown();
                int won = 0;
                for (Future<?> f : tries) {
                    try {
                        f.get(30, TimeUnit.SECONDS);
                        won++;
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertInstanceOf(VolumeExistsException.class, e.getCause(), String.valueOf(e.getCause()));
                    }
                }
                assertEquals(1, won, "round " + round);
                made.add(contested);
            }
            List<Future<UUID>> distinct = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                boolean encrypted = i % 2 == 0;
                distinct.add(pool.submit(() -> {
                    UUID id = UUID.randomUUID();
                    engine.create(id, 1 << 20, encrypted);
                    return id;
                }));
            }
            for (Future<UUID> f : distinct) {
                made.add(f.get(30, TimeUnit.SECONDS));
            }
            assertEquals(made, engine.volumeIds());
        }
        try (BlockEngine reopened = open()) {
            assertEquals(made, reopened.volumeIds(), "every descriptor was written and is found again");
            assertTrue(made.stream().allMatch(id -> reopened.find(id).isPresent()));
        }
    }
}
