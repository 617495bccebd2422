package io.galleonfs.engine.lsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LongCountsTest {
    @Test
    void matchesAHashMapThroughGrowthAndBackwardShiftDeletion() {
        long seed = Long.getLong("lsm.seed", System.nanoTime());
        System.out.println("LongCountsTest seed " + seed + " (replay with -Dlsm.seed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        LongCounts counts = new LongCounts();
        Map<Long, Integer> model = new HashMap<>();
        for (int step = 0; step < 200_000; step++) {
            // Keys like record locations: a few segments, offsets of 4,156-byte records; clustered so probes collide.
            long key = ((long) random.nextInt(1, 8) << 32) | (random.nextInt(2000) * 4156L);
            int op = random.nextInt(10);
            if (op < 5) {
                counts.add(key, 1);
                model.merge(key, 1, Integer::sum);
            } else if (op < 8) {
                counts.add(key, -1);
                model.computeIfPresent(key, (k, v) -> v == 1 ? null : v - 1);
            } else if (op < 9) {
                assertEquals((int) model.getOrDefault(key, 0), counts.remove(key), "step " + step);
                model.remove(key);
            } else {
                assertEquals((int) model.getOrDefault(key, 0), counts.get(key), "step " + step);
            }
        }
        assertEquals(model.size(), counts.size());
        model.forEach((k, v) -> assertEquals((int) v, counts.get(k)));
        model.keySet().forEach(counts::remove);
        assertEquals(0, counts.size());
        assertTrue(counts.heapBytes() <= 16 * 12, "an empty table shrinks back: " + counts.heapBytes());
    }
}
