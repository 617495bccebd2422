package io.galleonfs.engine.lsm;

import static io.galleonfs.engine.lsm.LsmTestSupport.content;
import static io.galleonfs.engine.lsm.LsmTestSupport.read;
import static io.galleonfs.engine.lsm.LsmTestSupport.readSnapshot;
import static io.galleonfs.engine.lsm.LsmTestSupport.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/**
 * Randomized model test: writes, trims, drops, snapshots (create, read, delete, restore), clones, checkpoints, cleaner
 * passes, clean closes and crashes (kill -9 style: no checkpoint, appended records stay) against an in-memory model.
 * Seed printed; replay with {@code -Dlsm.seed=N}, longer runs with {@code -Dlsm.steps=N}.
 */
class LogStoreModelTest {
    private static final int BLOCKS = 400;
    private static final List<UUID> VOLUMES = List.of(
            UUID.fromString("00000000-0000-4000-8000-0000000000a1"),
            UUID.fromString("00000000-0000-4000-8000-0000000000a2"),
            UUID.fromString("00000000-0000-4000-8000-0000000000a3"));

    /** A volume of the model: live block -> version written, and each snapshot's frozen copy, oldest first. */
    private static final class ModelVolume {
        Map<Long, Long> live = new HashMap<>();
        final LinkedHashMap<String, Map<Long, Long>> snapshots = new LinkedHashMap<>();
    }

    /** Which volume's bytes a block holds: clones read their source's records. */
    private record Written(UUID owner, long version) {
    }

    @TempDir
    Path dir;

    @Test
    void storeMatchesTheModelThroughCrashesCheckpointsCleaningSnapshotsAndClones() throws IOException {
        long seed = Long.getLong("lsm.seed", System.nanoTime());
        int steps = Integer.getInteger("lsm.steps", 6000);
        System.out.println("LogStoreModelTest seed " + seed + " (replay with -Dlsm.seed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        // Small automatic checkpoint interval too, so checkpoints also land between explicit steps.
        LogStoreConfig config = new LogStoreConfig(dir, LsmTestSupport.BS, 1L << 20, 3L << 20);
        Map<UUID, ModelVolume> model = new HashMap<>();
        Map<UUID, Map<Long, Written>> owners = new HashMap<>(); // (volume, version) -> content identity
        long version = 0;
        int crashes = 0;
        int snapshotSteps = 0;
        int clones = 0;
        LogStore store = LogStore.open(config);
        try {
            for (int step = 0; step < steps; step++) {
                UUID volume = VOLUMES.get(random.nextInt(VOLUMES.size()));
                ModelVolume mv = model.computeIfAbsent(volume, v -> new ModelVolume());
                int dice = random.nextInt(1000);
                String what = "step " + step + " (seed " + seed + ")";
                if (dice < 600) {
                    long block = random.nextInt(BLOCKS);
                    version++;
                    store.write(volume, block, content(volume, block, version),
                            random.nextBoolean() ? WriteConcern.DURABLE : WriteConcern.ACKNOWLEDGED);
                    mv.live.put(block, version);
                    owners.computeIfAbsent(volume, v -> new HashMap<>()).put(version, new Written(volume, version));
                } else if (dice < 760) {
                    long block = random.nextInt(BLOCKS);
                    assertArrayEquals(expected(owners, volume, mv.live, block), read(store, volume, block),
                            what + " read " + volume + "/" + block);
                } else if (dice < 800) {
                    long first = random.nextInt(BLOCKS);
                    long count = random.nextInt(1, 64);
                    store.trim(volume, first, count, WriteConcern.DURABLE);
                    mv.live.keySet().removeIf(b -> b >= first && b < first + count);
                } else if (dice < 803) {
                    store.dropVolume(volume, WriteConcern.ACKNOWLEDGED);
                    model.put(volume, new ModelVolume());
                } else if (dice < 815) {
                    store.checkpoint();
                } else if (dice < 830) {
                    store.clean(random.nextDouble(0.2, 1.0));
                } else if (dice < 842) {
                    store.crash();
                    crashes++;
                    store = LogStore.open(config);
                    verifyAll(store, model, owners, what + " after a crash");
                } else if (dice < 846) {
                    store.close();
                    store = LogStore.open(config);
                    verifyAll(store, model, owners, what + " after a close");
                } else if (dice < 870) {
                    if (mv.snapshots.size() < 6) {
                        String name = "s" + step;
                        store.createSnapshot(volume, name);
                        mv.snapshots.put(name, new HashMap<>(mv.live));
                        snapshotSteps++;
                    }
                } else if (dice < 885) {
                    String name = anySnapshot(mv, random);
                    if (name != null) {
                        store.deleteSnapshot(volume, name);
                        mv.snapshots.remove(name);
                        snapshotSteps++;
                    }
                } else if (dice < 895) {
                    String name = anySnapshot(mv, random);
                    if (name != null) {
                        store.restore(volume, name);
                        mv.live = new HashMap<>(mv.snapshots.get(name));
                        snapshotSteps++;
                    }
                } else if (dice < 935) {
                    String name = anySnapshot(mv, random);
                    if (name != null) {
                        long block = random.nextInt(BLOCKS);
                        assertArrayEquals(expected(owners, volume, mv.snapshots.get(name), block),
                                readSnapshot(store, volume, name, block), what + " read " + volume + "@" + name + "/" + block);
                    }
                } else if (dice < 945) {
                    UUID target = VOLUMES.get(random.nextInt(VOLUMES.size()));
                    if (!target.equals(volume)) {
                        String name = random.nextBoolean() ? anySnapshot(mv, random) : null;
                        store.dropVolume(target, WriteConcern.ACKNOWLEDGED);
                        store.cloneVolume(volume, name, target);
                        ModelVolume clone = new ModelVolume();
                        clone.live = new HashMap<>(name == null ? mv.live : mv.snapshots.get(name));
                        model.put(target, clone);
                        // The clone's blocks are the source's records: map the target's versions to the source's.
                        Map<Long, Written> targetOwners = owners.computeIfAbsent(target, v -> new HashMap<>());
                        Map<Long, Written> sourceOwners = owners.getOrDefault(volume, Map.of());
                        for (long v : clone.live.values()) {
                            targetOwners.put(v, sourceOwners.get(v));
                        }
                        clones++;
                    }
                } else {
                    checkBlockSets(store, volume, mv, what);
                }
            }
            store.crash();
            store = LogStore.open(config);
            verifyAll(store, model, owners, "final recovery (seed " + seed + ")");
            assertTrue(crashes > 0, "the run crashed the store at least once");
            assertTrue(snapshotSteps > 0 && clones > 0, "the run took snapshots and clones");
        } finally {
            store.close();
        }
    }

    private static String anySnapshot(ModelVolume mv, SplittableRandom random) {
        if (mv.snapshots.isEmpty()) {
            return null;
        }
        List<String> names = new ArrayList<>(mv.snapshots.keySet());
        return names.get(random.nextInt(names.size()));
    }

    private static byte[] expected(Map<UUID, Map<Long, Written>> owners, UUID volume, Map<Long, Long> view, long block) {
        Long v = view.get(block);
        if (v == null) {
            return zeros();
        }
        Written w = owners.get(volume).get(v);
        return content(w.owner(), block, w.version()).array();
    }

    /** allocatedBlocks is exact; changedBlocks(null, s) is exact and changedBlocks(a, b) a superset of the differences. */
    private static void checkBlockSets(LogStore store, UUID volume, ModelVolume mv, String what) throws IOException {
        assertEquals(keys(mv.live), store.allocatedBlocks(volume), what + " allocated blocks");
        List<String> names = new ArrayList<>(mv.snapshots.keySet());
        for (String a : names) {
            assertEquals(keys(mv.snapshots.get(a)), store.changedBlocks(volume, null, a), what + " blocks of " + a);
            for (String b : names) {
                RoaringBitmap changed = store.changedBlocks(volume, a, b);
                Map<Long, Long> ma = mv.snapshots.get(a);
                Map<Long, Long> mb = mv.snapshots.get(b);
                for (long block = 0; block < BLOCKS; block++) {
                    if (!java.util.Objects.equals(ma.get(block), mb.get(block))) {
                        assertTrue(changed.contains((int) block), what + " block " + block + " differs between " + a
                                + " and " + b + " but is not listed");
                    }
                }
            }
        }
    }

    private static RoaringBitmap keys(Map<Long, Long> view) {
        RoaringBitmap out = new RoaringBitmap();
        view.keySet().forEach(b -> out.add(b.intValue()));
        return out;
    }

    private static void verifyAll(LogStore store, Map<UUID, ModelVolume> model, Map<UUID, Map<Long, Written>> owners,
                                  String what) throws IOException {
        for (UUID volume : VOLUMES) {
            ModelVolume mv = model.getOrDefault(volume, new ModelVolume());
            assertEquals(new ArrayList<>(mv.snapshots.keySet()),
                    store.snapshots(volume).stream().map(LogSnapshot::name).toList(), what + ": snapshots of " + volume);
            for (long b = 0; b < BLOCKS; b++) {
                assertArrayEquals(expected(owners, volume, mv.live, b), read(store, volume, b),
                        what + ": " + volume + "/" + b);
                for (Map.Entry<String, Map<Long, Long>> s : mv.snapshots.entrySet()) {
                    assertArrayEquals(expected(owners, volume, s.getValue(), b), readSnapshot(store, volume, s.getKey(), b),
                            what + ": " + volume + "@" + s.getKey() + "/" + b);
                }
            }
        }
    }
}
