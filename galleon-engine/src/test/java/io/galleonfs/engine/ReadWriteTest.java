package io.galleonfs.engine;

import static io.galleonfs.engine.TestSupport.BS;
import static io.galleonfs.engine.TestSupport.assertContent;
import static io.galleonfs.engine.TestSupport.pattern;
import static io.galleonfs.engine.TestSupport.read;
import static io.galleonfs.engine.TestSupport.write;
import static io.galleonfs.engine.TestSupport.writeDurable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadWriteTest {
    @TempDir
    Path tmp;

    @Test
    void contentSurvivesCleanReopen() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        byte[] data = pattern(3, 5 * BS + 17);
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            write(engine.create(id, 128L * BS, false), 7L * BS + 5, data);
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            assertEquals(0, engine.recoveredRecords());
            Volume v = engine.find(id).orElseThrow();
            assertContent(data, v, 7L * BS + 5);
            assertEquals(java.util.Set.of(id), engine.volumeIds());
        }
    }

    @Test
    void outOfRangeAndInvalidArguments() throws Exception {
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(tmp.resolve("root")))) {
            Volume v = engine.create(UUID.randomUUID(), 4L * BS, false);
            assertThrows(OutOfRangeException.class, () -> v.write(4L * BS - 1, ByteBuffer.allocate(2), WriteConcern.ACKNOWLEDGED));
            assertThrows(OutOfRangeException.class, () -> v.read(-1, ByteBuffer.allocate(1)));
            assertThrows(OutOfRangeException.class, () -> v.read(4L * BS, ByteBuffer.allocate(1)));
            assertThrows(OutOfRangeException.class, () -> v.read(Long.MAX_VALUE, ByteBuffer.allocate(2)));
            v.read(4L * BS, ByteBuffer.allocate(0));
            v.write(0, ByteBuffer.allocate(0), WriteConcern.DURABLE);
            assertThrows(IllegalArgumentException.class, () -> engine.create(UUID.randomUUID(), BS + 1, false));
            assertThrows(IllegalArgumentException.class, () -> engine.create(UUID.randomUUID(), 0, false));
            assertThrows(VolumeExistsException.class, () -> engine.create(v.id(), BS, false));
            assertThrows(NoSuchVolumeException.class, () -> engine.delete(UUID.randomUUID()));
            assertTrue(engine.find(UUID.randomUUID()).isEmpty());
        }
    }

    @Test
    void deleteRemovesVolumeAndItsFiles() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.create(id, 16L * BS, true);
            write(v, 0, pattern(4, 4 * BS));
            v.createSnapshot("s");
            write(v, 0, pattern(5, BS));
            engine.delete(id);
            assertFalse(java.nio.file.Files.exists(root.resolve("volumes").resolve(id.toString())));
            assertThrows(EngineException.class, () -> read(v, 0, 1));
            // Same id again: no record of the deleted incarnation may leak into the new one.
            Volume again = engine.create(id, 16L * BS, false);
            assertArrayEquals(new byte[4 * BS], read(again, 0, 4 * BS));
            engine.abandonForTest();
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            assertArrayEquals(new byte[4 * BS], read(engine.find(id).orElseThrow(), 0, 4 * BS));
        }
    }

    @Test
    void concurrentPartialWritesToOneBlockCompose() throws Exception {
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(tmp.resolve("root")))) {
            Volume v = engine.create(UUID.randomUUID(), 4L * BS, true);
            int threads = 8;
            int slice = BS / threads;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    futures.add(pool.submit(() -> {
                        for (int round = 1; round <= 50; round++) {
                            byte[] b = new byte[slice];
                            java.util.Arrays.fill(b, (byte) (thread * 16 + round % 16));
                            v.write(BS + (long) thread * slice, ByteBuffer.wrap(b),
                                    round % 10 == 0 ? WriteConcern.DURABLE : WriteConcern.ACKNOWLEDGED);
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
            byte[] block = read(v, BS, BS);
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < slice; i++) {
                    assertEquals((byte) (t * 16 + 50 % 16), block[t * slice + i], "thread " + t + " byte " + i);
                }
            }
        }
    }

    @Test
    void variousBlockSizes() throws Exception {
        for (int bs : new int[]{512, 65536, 1 << 20}) {
            Path root = tmp.resolve("bs" + bs);
            UUID id = UUID.randomUUID();
            byte[] data = pattern(bs, 2 * bs + 3);
            try (LayerEngine engine = LayerEngine.open(TestSupport.config(root, bs, 64L << 20))) {
                Volume v = engine.create(id, 8L * bs, bs == 512);
                write(v, bs / 2, data);
                assertContent(data, v, bs / 2);
                v.flush();
                engine.abandonForTest();
            }
            try (LayerEngine engine = LayerEngine.open(TestSupport.config(root, bs, 64L << 20))) {
                assertContent(data, engine.find(id).orElseThrow(), bs / 2);
            }
        }
    }

    @Test
    void largeWritesAreAdmittedPiecewise() throws Exception {
        Path root = tmp.resolve("root");
        // Small dirty limit: a 12 MiB write must pass back-pressure in pieces instead of queueing at once.
        EngineConfig cfg = new EngineConfig(root, BS, 64L << 20, 1 << 20, null);
        byte[] data = pattern(42, (12 << 20) + 3);
        try (LayerEngine engine = LayerEngine.open(cfg)) {
            Volume v = engine.create(UUID.randomUUID(), 16L << 20, false);
            v.write(1001, ByteBuffer.wrap(data), WriteConcern.DURABLE);
            assertContent(data, v, 1001);
        }
    }

    @Test
    void secondEngineOnTheSameRootIsRefused() throws Exception {
        Path root = tmp.resolve("root");
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            EngineException e = assertThrows(EngineException.class, () -> LayerEngine.open(TestSupport.config(root)));
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
        }
        LayerEngine.open(TestSupport.config(root)).close();
    }

    @Test
    void interruptedReaderDoesNotBreakOtherUsersOfTheLayerFile() throws Exception {
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(tmp.resolve("root")))) {
            Volume v = engine.create(UUID.randomUUID(), 16L * BS, false);
            byte[] data = pattern(9, 4 * BS);
            write(v, 0, data);
            ((VolumeImpl) v).awaitApplied();
            java.util.concurrent.CompletableFuture<Throwable> interrupted = new java.util.concurrent.CompletableFuture<>();
            Thread t = Thread.ofPlatform().start(() -> {
                Thread.currentThread().interrupt();
                try {
                    read(v, 0, BS);
                    interrupted.complete(null);
                } catch (Throwable e) {
                    interrupted.complete(e);
                }
            });
            t.join();
            Throwable failure = interrupted.get();
            assertTrue(failure == null || failure instanceof java.io.IOException, String.valueOf(failure));
            // The channel the interrupted thread closed is reopened transparently for everybody else.
            assertContent(data, v, 0);
            write(v, BS, pattern(10, BS));
            v.flush();
            ((VolumeImpl) v).awaitApplied();
            assertContent(pattern(10, BS), v, BS);
        }
    }

    @Test
    void idleVolumesOwnNoThreads() throws Exception {
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(tmp.resolve("root")))) {
            for (int i = 0; i < 50; i++) {
                write(engine.create(UUID.randomUUID(), 16L * BS, i % 2 == 0), 0, pattern(i, BS));
            }
            long engineThreads = Thread.getAllStackTraces().keySet().stream()
                    .filter(th -> th.getName().startsWith("galleon-journal")).count();
            assertEquals(1, engineThreads);
            assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(th -> th.getName().startsWith("galleon-merge")));
        }
    }

    @Test
    void configValidation() {
        Path p = tmp.resolve("x");
        assertThrows(IllegalArgumentException.class, () -> EngineConfig.defaults(p, 1000, null));
        assertThrows(IllegalArgumentException.class, () -> EngineConfig.defaults(p, 256, null));
        assertThrows(IllegalArgumentException.class, () -> EngineConfig.defaults(p, 2 << 20, null));
        assertThrows(IllegalArgumentException.class, () -> new EngineConfig(p, 4096, 0, 1 << 20, null));
        EngineConfig d = EngineConfig.defaults(p, 4096, null);
        assertEquals(64L << 20, d.journalCheckpointBytes());
        assertEquals(64L << 20, d.maxDirtyBytes());
    }

    @Test
    void encryptedVolumeNeedsKeyProvider() throws Exception {
        try (LayerEngine engine = LayerEngine.open(EngineConfig.defaults(tmp.resolve("root"), BS, null))) {
            assertThrows(EngineException.class, () -> engine.create(UUID.randomUUID(), BS, true));
            assertTrue(engine.volumeIds().isEmpty());
        }
    }
}
