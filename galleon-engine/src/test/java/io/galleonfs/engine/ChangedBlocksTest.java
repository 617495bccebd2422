package io.galleonfs.engine;

import static io.galleonfs.engine.TestSupport.BS;
import static io.galleonfs.engine.TestSupport.pattern;
import static io.galleonfs.engine.TestSupport.readSnapshot;
import static io.galleonfs.engine.TestSupport.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

class ChangedBlocksTest {
    private static final int BLOCKS = 64;

    @TempDir
    Path tmp;

    @Test
    void exactlyTheWrittenAndTrimmedBlocksBetweenTwoSnapshots() throws Exception {
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(tmp.resolve("root")))) {
            Volume v = engine.create(UUID.randomUUID(), (long) BLOCKS * BS, false);
            write(v, 0, pattern(1, 10 * BS));
            v.createSnapshot("a");
            write(v, 3L * BS, pattern(2, BS));
            write(v, 20L * BS + 7, pattern(3, 10)); // partial write: one block
            v.trim(5L * BS, 2L * BS);                // trim of stored data: ZERO entries
            v.createSnapshot("b");
            write(v, 40L * BS, pattern(4, BS));      // after b: not in the answer

            assertEquals(RoaringBitmap.bitmapOf(3, 5, 6, 20), v.changedBlocks("a", "b"));
            assertEquals(RoaringBitmap.bitmapOf(0, 1, 2, 3, 4, 7, 8, 9, 20), v.changedBlocks(null, "b"),
                    "a full query lists the blocks holding data (trimmed ones read as zeros anyway)");
            assertEquals(RoaringBitmap.bitmapOf(3, 5, 6, 20), v.changedBlocks("b", "a"), "symmetric");
            assertTrue(v.changedBlocks("a", "a").isEmpty());
            assertThrows(NoSuchSnapshotException.class, () -> v.changedBlocks("nope", "b"));
            assertThrows(NoSuchSnapshotException.class, () -> v.changedBlocks("a", "nope"));
        }
    }

    @Test
    void staysASupersetOfTrulyChangedBlocksThroughDeletesMergesAndRestores() throws Exception {
        Random random = new Random(42);
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(tmp.resolve("root")))) {
            Volume v = engine.create(UUID.randomUUID(), (long) BLOCKS * BS, true);
            List<String> live = new ArrayList<>();
            for (int step = 0; step < 60; step++) {
                int op = random.nextInt(10);
                if (op < 5) {
                    int block = random.nextInt(BLOCKS);
                    int len = 1 + random.nextInt(Math.min(4, BLOCKS - block));
                    write(v, (long) block * BS, pattern(step, len * BS));
                } else if (op < 6) {
                    v.trim((long) random.nextInt(BLOCKS) * BS, BS);
                } else if (op < 8 || live.size() < 2) {
                    String name = "s" + step;
                    v.createSnapshot(name);
                    live.add(name);
                } else if (op < 9) {
                    v.deleteSnapshot(live.remove(random.nextInt(live.size())));
                } else {
                    v.restore(live.get(random.nextInt(live.size())));
                }
                checkAllPairs(v, live);
            }
        }
    }

    private static void checkAllPairs(Volume v, List<String> snapshots) throws Exception {
        byte[][] images = new byte[snapshots.size()][];
        for (int i = 0; i < images.length; i++) {
            images[i] = readSnapshot(v, snapshots.get(i), 0, BLOCKS * BS);
        }
        for (int i = 0; i < images.length; i++) {
            RoaringBitmap full = v.changedBlocks(null, snapshots.get(i));
            for (int b = 0; b < BLOCKS; b++) {
                if (!full.contains(b)) {
                    assertTrue(isZero(images[i], b), "block " + b + " of " + snapshots.get(i) + " holds data but was not listed");
                }
            }
            for (int j = 0; j < images.length; j++) {
                RoaringBitmap changed = v.changedBlocks(snapshots.get(j), snapshots.get(i));
                for (int b = 0; b < BLOCKS; b++) {
                    if (!changed.contains(b)) {
                        assertTrue(Arrays.equals(images[i], b * BS, (b + 1) * BS, images[j], b * BS, (b + 1) * BS),
                                "block " + b + " differs between " + snapshots.get(j) + " and " + snapshots.get(i));
                    }
                }
            }
        }
    }

    private static boolean isZero(byte[] image, int block) {
        for (int i = block * BS; i < (block + 1) * BS; i++) {
            if (image[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
