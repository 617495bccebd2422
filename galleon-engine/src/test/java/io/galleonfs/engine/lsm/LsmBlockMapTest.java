package io.galleonfs.engine.lsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LsmBlockMapTest {

    @Test
    void agreesWithHashMapUnderRandomPutsRemovesAndRangeRemoves() {
        long seed = Long.getLong("lsm.seed", System.nanoTime());
        System.out.println("LsmBlockMapTest seed " + seed + " (replay with -Dlsm.seed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        BlockMap map = new BlockMap();
        Map<Integer, Long> model = new HashMap<>();
        for (int i = 0; i < 200_000; i++) {
            int block = random.nextInt(5_000);
            int op = random.nextInt(10);
            if (op < 6) {
                long loc = random.nextLong(1L << 40);
                Long prev = model.put(block, loc);
                assertEquals(prev == null ? BlockMap.ABSENT : prev, map.put(block, loc, (int) loc), "put " + i);
            } else if (op < 9) {
                Long prev = model.remove(block);
                assertEquals(prev == null ? BlockMap.ABSENT : prev, map.remove(block), "remove " + i);
            } else {
                int count = random.nextInt(1, 20_000);
                long[] removed = {0};
                map.removeRange(block, count, loc -> removed[0]++);
                long expected = model.keySet().stream().filter(b -> b >= block && b < block + count).count();
                model.keySet().removeIf(b -> b >= block && b < block + count);
                assertEquals(expected, removed[0], "removeRange " + i);
            }
            assertEquals(model.size(), map.size());
        }
        for (int b = 0; b < 5_000; b++) {
            Long loc = model.get(b);
            assertEquals(loc == null ? BlockMap.ABSENT : loc, map.location(b), "block " + b);
            if (loc != null) {
                assertEquals((int) (long) loc, map.crc(b));
            }
        }
        int[] visited = {0};
        map.forEach((b, loc, crc) -> {
            assertEquals(model.get(b), loc);
            visited[0]++;
        });
        assertEquals(model.size(), visited[0]);
    }

    @Test
    void gibibyteWrittenAtRandomIntoATebibyteVolumeCostsAtMost32BytesPerBlock() {
        // 1 GiB of 4 KiB blocks at random in a 1 TiB thin volume: 262,144 distinct blocks among 2^28.
        SplittableRandom random = new SplittableRandom(18);
        BlockMap map = new BlockMap();
        while (map.size() < 262_144) {
            map.put(random.nextInt(1 << 28), random.nextLong(), random.nextInt());
        }
        double perBlock = (double) map.heapBytes() / map.size();
        System.out.printf("extent index: %d blocks, %d bytes, %.1f bytes/block%n", map.size(), map.heapBytes(), perBlock);
        assertTrue(perBlock <= 32.0, "bytes per block " + perBlock);
    }
}
