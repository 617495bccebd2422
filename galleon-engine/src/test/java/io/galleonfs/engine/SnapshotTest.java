package io.galleonfs.engine;

import static io.galleonfs.engine.TestSupport.BS;
import static io.galleonfs.engine.TestSupport.pattern;
import static io.galleonfs.engine.TestSupport.read;
import static io.galleonfs.engine.TestSupport.readSnapshot;
import static io.galleonfs.engine.TestSupport.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotTest {
    private static final int BLOCKS = 48;

    @TempDir
    Path tmp;

    /** Content model of a volume: full image, copied on snapshot. */
    private static final class Model {
        byte[] live = new byte[BLOCKS * BS];
        final Map<String, byte[]> snapshots = new HashMap<>();

        void write(Volume v, long offset, byte[] data) throws Exception {
            TestSupport.write(v, offset, data);
            System.arraycopy(data, 0, live, (int) offset, data.length);
        }

        void snapshot(Volume v, String name) throws Exception {
            v.createSnapshot(name);
            snapshots.put(name, live.clone());
        }

        void verify(Volume v) throws Exception {
            assertArrayEquals(live, read(v, 0, live.length), "live view");
            for (var e : snapshots.entrySet()) {
                assertArrayEquals(e.getValue(), readSnapshot(v, e.getKey(), 0, live.length), "snapshot " + e.getKey());
            }
            assertEquals(snapshots.keySet(), new java.util.HashSet<>(v.snapshots().stream().map(SnapshotInfo::name).toList()));
        }
    }

    @Test
    void chainOf120SnapshotsReadsCorrectlyAtEveryLevel() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        Model model = new Model();
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.create(id, (long) BLOCKS * BS, true);
            for (int gen = 0; gen < 120; gen++) {
                model.write(v, (long) (gen * 7 % BLOCKS) * BS, pattern(gen, BS));
                model.write(v, (long) (gen % BLOCKS) * BS + 1000, pattern(1000 + gen, 300));
                model.snapshot(v, "s" + gen);
            }
            model.write(v, 5L * BS, pattern(5000, 2 * BS));
            model.verify(v);
            assertEquals(120, v.usage().snapshotCount());
            List<SnapshotInfo> infos = v.snapshots();
            assertEquals("s0", infos.getFirst().name());
            assertEquals("s119", infos.getLast().name());
            assertTrue(infos.get(3).allocatedBytes() >= BS);
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            model.verify(engine.find(id).orElseThrow());
        }
    }

    @Test
    void deletingSnapshotsMergesLayersReclaimsSpaceAndKeepsOthersIntact() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        Model model = new Model();
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.create(id, (long) BLOCKS * BS, false);
            for (int gen = 0; gen < 10; gen++) {
                model.write(v, (long) gen * 4 * BS, pattern(gen, 4 * BS));
                model.write(v, 0, pattern(100 + gen, 8 * BS));
                model.snapshot(v, "s" + gen);
            }
            model.write(v, 0, pattern(999, BLOCKS * BS));
            long storedBefore = TestSupport.usage(v).totalStoredBytes();
            long diskBefore = TestSupport.volumeBytesOnDisk(root, v);
            for (int gen = 0; gen < 10; gen += 2) {
                v.deleteSnapshot("s" + gen);
                model.snapshots.remove("s" + gen);
                model.verify(v);
            }
            long storedAfter = TestSupport.usage(v).totalStoredBytes();
            assertTrue(storedAfter < storedBefore, storedBefore + " -> " + storedAfter);
            long diskAfter = TestSupport.volumeBytesOnDisk(root, v);
            assertTrue(diskAfter < diskBefore, diskBefore + " -> " + diskAfter);
            assertEquals(5, v.usage().snapshotCount());
            assertThrows(NoSuchSnapshotException.class, () -> v.deleteSnapshot("s0"));
            // Deleting every snapshot leaves only the live layer, which holds exactly the live data.
            for (int gen = 1; gen < 10; gen += 2) {
                v.deleteSnapshot("s" + gen);
                model.snapshots.remove("s" + gen);
            }
            model.verify(v);
            VolumeUsage usage = TestSupport.usage(v);
            assertEquals(0, usage.snapshotCount());
            assertEquals((long) BLOCKS * BS, usage.totalStoredBytes());
            assertEquals((long) BLOCKS * BS, usage.allocatedBytes());
            try (var files = Files.list(root.resolve("volumes").resolve(id.toString()))) {
                assertEquals(1, files.filter(f -> f.toString().endsWith(".data")).count());
            }
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            model.verify(engine.find(id).orElseThrow());
        }
    }

    @Test
    void deleteOfOldestSnapshotCopiesUnoverriddenBlocksIntoChild() throws Exception {
        Path root = tmp.resolve("root");
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Model model = new Model();
            Volume v = engine.create(UUID.randomUUID(), (long) BLOCKS * BS, true);
            model.write(v, 0, pattern(1, 20 * BS));
            model.snapshot(v, "base");
            model.write(v, 5L * BS, pattern(2, 3 * BS));
            long before = TestSupport.volumeBytesOnDisk(root, v);
            assertTrue(before >= 23L * BS, "before " + before);
            v.deleteSnapshot("base");
            model.snapshots.remove("base");
            model.verify(v);
            assertEquals(20L * BS, TestSupport.usage(v).totalStoredBytes());
            assertTrue(v.verify().healthy());
            long after = TestSupport.volumeBytesOnDisk(root, v);
            assertTrue(after < before, before + " -> " + after);
        }
    }

    @Test
    void mergeRunsWhileTheLiveLayerIsWritten() throws Exception {
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(tmp.resolve("root")))) {
            Model model = new Model();
            Volume v = engine.create(UUID.randomUUID(), (long) BLOCKS * BS, false);
            model.write(v, 0, pattern(1, BLOCKS * BS));
            model.snapshot(v, "s");
            byte[][] last = new byte[BLOCKS][];
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < 300; i++) {
                        int block = i * 13 % BLOCKS;
                        byte[] data = pattern(10_000 + i, BS);
                        write(v, (long) block * BS, data);
                        last[block] = data;
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            v.deleteSnapshot("s");
            writer.get(60, TimeUnit.SECONDS);
            model.snapshots.remove("s");
            for (int b = 0; b < BLOCKS; b++) {
                if (last[b] != null) {
                    System.arraycopy(last[b], 0, model.live, b * BS, BS);
                }
            }
            model.verify(v);
        }
    }

    @Test
    void restoreKeepsOtherSnapshotsAndHandlesLayersWithTwoChildren() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        Model model = new Model();
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.create(id, (long) BLOCKS * BS, true);
            model.write(v, 0, pattern(1, 10 * BS));
            model.snapshot(v, "a");
            model.write(v, 2L * BS, pattern(2, 10 * BS));
            model.snapshot(v, "b");
            model.write(v, 4L * BS, pattern(3, 10 * BS));

            v.restore("a");
            model.live = model.snapshots.get("a").clone();
            model.verify(v);
            model.write(v, 7L * BS, pattern(4, BS));
            model.verify(v);

            // "a" now has two children ("b" and the live layer): deleting it only hides it.
            v.deleteSnapshot("a");
            model.snapshots.remove("a");
            model.verify(v);
            // Once "b" goes, the hidden layer has one child and is merged into the live layer.
            v.deleteSnapshot("b");
            model.snapshots.remove("b");
            engine.awaitMaintenance();
            model.verify(v);
            assertEquals(10L * BS, TestSupport.usage(v).totalStoredBytes());

            model.snapshot(v, "c");
            model.write(v, 0, pattern(5, BS));
            v.restore("c");
            model.live = model.snapshots.get("c").clone();
            v.restore("c");
            model.verify(v);
            assertThrows(NoSuchSnapshotException.class, () -> v.restore("a"));
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            model.verify(engine.find(id).orElseThrow());
        }
    }

    @Test
    void hiddenLayerMergeResumesAfterUncleanStop() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        Model model = new Model();
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.create(id, (long) BLOCKS * BS, true);
            model.write(v, 0, pattern(1, BLOCKS * BS));
            model.snapshot(v, "a");
            model.write(v, 0, pattern(2, BS));
            model.snapshot(v, "b");
            v.restore("a");
            model.live = model.snapshots.get("a").clone();
            model.write(v, 3L * BS, pattern(3, BS));
            // "a" has two children ("b" and the live layer): deleting it only hides it.
            v.deleteSnapshot("a");
            model.snapshots.remove("a");
            // Restoring "b" drops the live layer, so the hidden layer now has one child and its merge into
            // "b" is queued in the background; the unclean stop lands before or during that merge.
            v.restore("b");
            model.live = model.snapshots.get("b").clone();
            engine.abandonForTest();
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            engine.awaitMaintenance();
            Volume v = engine.find(id).orElseThrow();
            model.verify(v);
            // Only the merged "b" layer remains (plus the empty live layer): "a"'s blocks now live in "b".
            assertEquals((long) BLOCKS * BS, TestSupport.usage(v).totalStoredBytes());
            assertEquals((long) BLOCKS * BS, v.snapshots().getFirst().allocatedBytes());
            assertTrue(v.verify().healthy());
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            model.verify(engine.find(id).orElseThrow());
        }
    }
}
