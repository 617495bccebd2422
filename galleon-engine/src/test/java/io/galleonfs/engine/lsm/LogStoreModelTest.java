package io.galleonfs.engine.lsm;

import static io.galleonfs.engine.lsm.LsmTestSupport.content;
import static io.galleonfs.engine.lsm.LsmTestSupport.read;
import static io.galleonfs.engine.lsm.LsmTestSupport.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Randomized model test: writes, trims, drops, checkpoints, cleaner passes, clean closes and crashes (kill -9 style:
 * no checkpoint, appended records stay) against an in-memory map. Seed printed; replay with {@code -Dlsm.seed=N},
 * longer runs with {@code -Dlsm.steps=N}.
 */
class LogStoreModelTest {
    private static final int BLOCKS = 400;
    private static final List<UUID> VOLUMES = List.of(
            UUID.fromString("00000000-0000-4000-8000-0000000000a1"),
            UUID.fromString("00000000-0000-4000-8000-0000000000a2"),
            UUID.fromString("00000000-0000-4000-8000-0000000000a3"));

    @TempDir
    Path dir;

    @Test
    void storeMatchesTheModelThroughCrashesCheckpointsAndCleaning() throws IOException {
        long seed = Long.getLong("lsm.seed", System.nanoTime());
        int steps = Integer.getInteger("lsm.steps", 6000);
        System.out.println("LogStoreModelTest seed " + seed + " (replay with -Dlsm.seed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        // Small automatic checkpoint interval too, so checkpoints also land between explicit steps.
        LogStoreConfig config = new LogStoreConfig(dir, LsmTestSupport.BS, 1L << 20, 3L << 20);
        Map<UUID, Map<Long, Long>> model = new HashMap<>();
        long version = 0;
        int crashes = 0;
        LogStore store = LogStore.open(config);
        try {
            for (int step = 0; step < steps; step++) {
                UUID volume = VOLUMES.get(random.nextInt(VOLUMES.size()));
                Map<Long, Long> blocks = model.computeIfAbsent(volume, v -> new HashMap<>());
                int dice = random.nextInt(1000);
                String what = "step " + step + " (seed " + seed + ")";
                if (dice < 700) {
                    long block = random.nextInt(BLOCKS);
                    version++;
                    store.write(volume, block, content(volume, block, version),
                            random.nextBoolean() ? WriteConcern.DURABLE : WriteConcern.ACKNOWLEDGED);
                    blocks.put(block, version);
                } else if (dice < 900) {
                    long block = random.nextInt(BLOCKS);
                    Long v = blocks.get(block);
                    assertArrayEquals(v == null ? zeros() : content(volume, block, v).array(), read(store, volume, block),
                            what + " read " + volume + "/" + block);
                } else if (dice < 950) {
                    long first = random.nextInt(BLOCKS);
                    long count = random.nextInt(1, 64);
                    store.trim(volume, first, count, WriteConcern.DURABLE);
                    blocks.keySet().removeIf(b -> b >= first && b < first + count);
                } else if (dice < 953) {
                    store.dropVolume(volume, WriteConcern.ACKNOWLEDGED);
                    blocks.clear();
                } else if (dice < 965) {
                    store.checkpoint();
                } else if (dice < 980) {
                    store.clean(random.nextDouble(0.2, 1.0));
                } else if (dice < 995) {
                    store.crash();
                    crashes++;
                    store = LogStore.open(config);
                    verifyAll(store, model, what + " after a crash");
                } else {
                    store.close();
                    store = LogStore.open(config);
                    verifyAll(store, model, what + " after a close");
                }
            }
            store.crash();
            store = LogStore.open(config);
            verifyAll(store, model, "final recovery (seed " + seed + ")");
            assertTrue(crashes > 0, "the run crashed the store at least once");
        } finally {
            store.close();
        }
    }

    private static void verifyAll(LogStore store, Map<UUID, Map<Long, Long>> model, String what) throws IOException {
        for (UUID volume : VOLUMES) {
            Map<Long, Long> blocks = model.getOrDefault(volume, Map.of());
            for (long b = 0; b < BLOCKS; b++) {
                Long v = blocks.get(b);
                assertArrayEquals(v == null ? zeros() : content(volume, b, v).array(), read(store, volume, b),
                        what + ": " + volume + "/" + b);
            }
        }
    }
}
