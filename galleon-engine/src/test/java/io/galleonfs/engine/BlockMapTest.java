package io.galleonfs.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** LayerDelta and ResolvedMap against simple models, across sparse/dense transitions and under racing readers. */
class BlockMapTest {
    private static final int CHUNK = ChunkDirectory.CHUNK_SIZE;

    private record Meta(byte state, int crc, long seq, byte[] tag) {
    }

    private static byte[] tag(long seed, boolean encrypted) {
        return encrypted ? TestSupport.pattern(seed, LayerDelta.TAG_BYTES) : null;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void deltaMatchesAModelAcrossTransitions(boolean encrypted) throws Exception {
        LayerDelta delta = new LayerDelta(encrypted);
        long emptyBytes = delta.estimatedHeapBytes();
        TreeMap<Long, Meta> model = new TreeMap<>();
        Random rnd = new Random(encrypted ? 11 : 10);
        // Chunk 0 fills past the sparse limit and drains; chunk 5 stays sparse; chunk 9 fills completely.
        long[] bases = {0, 5L * CHUNK, 9L * CHUNK};
        int[] spans = {CHUNK, 40, CHUNK};
        for (int round = 0; round < 6; round++) {
            boolean filling = round % 3 != 2;
            for (int op = 0; op < 1500; op++) {
                int c = rnd.nextInt(bases.length);
                long block = bases[c] + rnd.nextInt(spans[c]);
                int kind = rnd.nextInt(10);
                if (!filling && kind < 8 || kind == 0) {
                    delta.clear(block);
                    model.remove(block);
                } else if (kind < 3) {
                    delta.setZero(block);
                    model.put(block, new Meta(LayerDelta.ZERO, 0, 0, null));
                } else {
                    int crc = rnd.nextInt();
                    long seq = rnd.nextLong();
                    byte[] t = tag(seq, encrypted);
                    delta.setData(block, crc, seq, t);
                    model.put(block, new Meta(LayerDelta.DATA, crc, seq, t));
                }
            }
            assertMatches(delta, model, bases);
        }
        for (long b = 9L * CHUNK; b < 10L * CHUNK; b++) {
            delta.setData(b, (int) b, b, tag(b, encrypted));
            model.put(b, new Meta(LayerDelta.DATA, (int) b, b, tag(b, encrypted)));
        }
        assertMatches(delta, model, bases);
        for (long b : List.copyOf(model.keySet())) {
            delta.clear(b);
        }
        model.clear();
        assertMatches(delta, model, bases);
        assertEquals(emptyBytes + 16 + 16 + 4 * CHUNK, delta.estimatedHeapBytes(), "only the directory leaf stays");
    }

    private static void assertMatches(LayerDelta delta, TreeMap<Long, Meta> model, long[] bases) throws Exception {
        long data = 0;
        for (long base : bases) {
            for (long b = base; b < base + CHUNK; b++) {
                Meta m = model.get(b);
                assertEquals(m == null ? LayerDelta.ABSENT : m.state(), delta.state(b), "state of " + b);
                BlockVersion v = delta.version(b);
                if (m == null || m.state() != LayerDelta.DATA) {
                    assertNull(v, "version of " + b);
                } else {
                    data++;
                    assertEquals(m.crc(), v.crc(), "crc of " + b);
                    assertEquals(m.seq(), v.seq(), "seq of " + b);
                    assertArrayEquals(m.tag(), v.tag(), "tag of " + b);
                }
            }
            assertEquals(model.subMap(base, base + CHUNK).isEmpty() == false, delta.anyPresent(base, base + CHUNK));
            assertEquals(model.subMap(base + 17, base + 300).isEmpty() == false, delta.anyPresent(base + 17, base + 300));
        }
        assertEquals(data, delta.dataBlocks());
        List<Long> visited = new ArrayList<>();
        delta.forEachPresent((block, state) -> {
            visited.add(block);
            assertEquals(model.get(block).state(), state);
        });
        assertEquals(List.copyOf(model.keySet()), visited, "ascending order, every present block once");
        List<Long> ranged = new ArrayList<>();
        delta.forEachPresent(bases[0] + 100, bases[2] + 700, (block, state) -> ranged.add(block));
        assertEquals(List.copyOf(model.subMap(bases[0] + 100, bases[2] + 700).keySet()), ranged);
    }

    @Test
    void resolvedMapMatchesAModelAcrossTransitions() throws Exception {
        ResolvedMap map = new ResolvedMap();
        long emptyBytes = map.estimatedHeapBytes();
        TreeMap<Long, Integer> model = new TreeMap<>();
        Random rnd = new Random(12);
        for (int round = 0; round < 6; round++) {
            boolean filling = round % 3 != 2;
            for (int op = 0; op < 2000; op++) {
                long block = rnd.nextBoolean() ? rnd.nextInt(CHUNK) : 7L * CHUNK + rnd.nextInt(60);
                int slot = rnd.nextInt(50) == 0 ? SparseSlots.MAX_SLOT + 1 + rnd.nextInt(5) : 1 + rnd.nextInt(9);
                if (!filling && rnd.nextInt(10) < 8 || rnd.nextInt(10) == 0) {
                    map.set(block, 0);
                    model.remove(block);
                } else {
                    map.set(block, slot);
                    model.put(block, slot);
                }
                if (round == 0 && op == 100) {
                    // A slot too large for a sparse entry turns its chunk dense.
                    map.set(3L * CHUNK + 5, SparseSlots.MAX_SLOT + 1);
                    model.put(3L * CHUNK + 5, SparseSlots.MAX_SLOT + 1);
                }
            }
            for (long b = 0; b < 8L * CHUNK; b++) {
                assertEquals(model.getOrDefault(b, 0), map.get(b), "block " + b);
            }
            Map<Long, Integer> visited = new TreeMap<>();
            List<Long> order = new ArrayList<>();
            map.forEach((block, slot) -> {
                visited.put(block, slot);
                order.add(block);
            });
            assertEquals(model, visited);
            assertEquals(List.copyOf(model.keySet()), order);
            List<Long> ranged = new ArrayList<>();
            map.forEach(300, 7L * CHUNK + 30, (block, slot) -> ranged.add(block));
            assertEquals(List.copyOf(model.subMap(300L, 7L * CHUNK + 30).keySet()), ranged);
        }
        ResolvedMap sparseOnly = new ResolvedMap();
        long before = sparseOnly.estimatedHeapBytes();
        for (long b = 0; b < 100; b++) {
            sparseOnly.set(b * 3 + 5L * CHUNK, 2);
        }
        for (long b = 0; b < 100; b++) {
            sparseOnly.set(b * 3 + 5L * CHUNK, 0);
        }
        assertEquals(before + 16 + 16 + 4 * CHUNK, sparseOnly.estimatedHeapBytes(), "emptied sparse chunks are freed");
        assertTrue(map.estimatedHeapBytes() > emptyBytes);
    }

    @Test
    void rebuildMatchesLayerByLayerSets() throws Exception {
        Random rnd = new Random(14);
        List<LayerDelta> chain = new ArrayList<>();
        int[] entries = {3, 1, SparseSlots.MAX_SLOT + 7, 2};
        TreeMap<Long, Integer> model = new TreeMap<>();
        for (int depth = 0; depth < entries.length; depth++) {
            LayerDelta delta = new LayerDelta(false);
            // Scattered blocks everywhere, plus chunk 2 filled densely by the first two layers together.
            for (int i = 0; i < 3000; i++) {
                long block = rnd.nextInt(64 * CHUNK);
                if (depth == 2 && block >= 40L * CHUNK) {
                    continue;
                }
                setSomething(delta, block, rnd);
                model.put(block, entries[depth]);
            }
            for (long b = 2L * CHUNK + depth; depth < 2 && b < 3L * CHUNK; b += 2) {
                setSomething(delta, b, rnd);
                model.put(b, entries[depth]);
            }
            chain.add(delta);
        }
        ResolvedMap map = new ResolvedMap();
        map.set(99L * CHUNK, 5);
        map.rebuild(chain, entries);
        Map<Long, Integer> visited = new TreeMap<>();
        map.forEach(visited::put);
        assertEquals(model, visited);
        for (long b = 0; b < 100L * CHUNK; b++) {
            assertEquals(model.getOrDefault(b, 0), map.get(b), "block " + b);
        }
    }

    private static void setSomething(LayerDelta delta, long block, Random rnd) {
        if (rnd.nextInt(5) == 0) {
            delta.setZero(block);
        } else {
            delta.setData(block, rnd.nextInt(), rnd.nextLong(), null);
        }
    }

    /**
     * Lock-free lookups of blocks nobody writes must stay exact while one writer appends, inserts (copying
     * the array), clears, revives and converts the same chunks. Chunks 0-3 fill up and turn dense, chunks
     * 4-7 stay sparse and churn.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void settledBlocksReadConsistentlyWhileTheirChunksChange(boolean encrypted) throws Exception {
        List<Long> settled = new ArrayList<>();
        List<Long> racing = new ArrayList<>();
        for (long b = 0; b < 8L * CHUNK; b++) {
            if (b % 7 == 3) {
                settled.add(b);
            } else if (b < 4L * CHUNK || b % CHUNK < 300) {
                racing.add(b);
            }
        }
        Random rnd = new Random(13);
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (int generation = 0; generation < 10; generation++) {
                LayerDelta delta = new LayerDelta(encrypted);
                ResolvedMap resolved = new ResolvedMap();
                for (long b : settled) {
                    delta.setData(b, (int) (b * 31), b + 1, tag(b, encrypted));
                    resolved.set(b, (int) (b % 9) + 1);
                }
                AtomicBoolean done = new AtomicBoolean();
                List<Future<Long>> readers = new ArrayList<>();
                for (int r = 0; r < 2; r++) {
                    int seed = generation * 2 + r;
                    readers.add(pool.submit(() -> readSettled(delta, resolved, settled, done, seed, encrypted)));
                }
                try {
                    mutate(delta, resolved, racing, rnd, encrypted);
                } finally {
                    done.set(true);
                }
                for (Future<Long> reader : readers) {
                    assertTrue(reader.get() > 0);
                }
            }
        }
    }

    private static void mutate(LayerDelta delta, ResolvedMap resolved, List<Long> racing, Random rnd, boolean encrypted) {
        for (int round = 0; round < 4; round++) {
            Collections.shuffle(racing, rnd);
            for (long b : racing) {
                if (rnd.nextInt(4) == 0) {
                    delta.setZero(b);
                } else {
                    delta.setData(b, rnd.nextInt(), rnd.nextLong(), tag(b, encrypted));
                }
                resolved.set(b, 1 + rnd.nextInt(5));
            }
            Collections.shuffle(racing, rnd);
            for (long b : racing.subList(0, racing.size() * (round + 1) / 4)) {
                delta.clear(b);
                resolved.set(b, 0);
            }
        }
    }

    private static long readSettled(LayerDelta delta, ResolvedMap resolved, List<Long> settled, AtomicBoolean done,
                                    int seed, boolean encrypted) throws IOException {
        Random rnd = new Random(seed);
        long reads = 0;
        while (!done.get() || reads == 0) {
            long b = settled.get(rnd.nextInt(settled.size()));
            BlockVersion v = delta.version(b);
            assertEquals((int) (b * 31), v.crc(), "crc of " + b);
            assertEquals(b + 1, v.seq(), "seq of " + b);
            assertArrayEquals(tag(b, encrypted), v.tag(), "tag of " + b);
            assertEquals((int) (b % 9) + 1, resolved.get(b), "resolved " + b);
            if (reads % 4096 == 0) {
                long[] seen = {0};
                delta.forEachPresent(b - b % CHUNK, b - b % CHUNK + CHUNK, (block, state) -> {
                    if (block % 7 == 3) {
                        seen[0]++;
                    }
                });
                long expected = settled.stream().filter(x -> x / CHUNK == b / CHUNK).count();
                assertEquals(expected, seen[0], "settled blocks visited in chunk of " + b);
            }
            reads++;
        }
        return reads;
    }
}
