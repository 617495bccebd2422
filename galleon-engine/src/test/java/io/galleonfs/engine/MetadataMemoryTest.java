package io.galleonfs.engine;

import static io.galleonfs.engine.TestSupport.BS;
import static io.galleonfs.engine.TestSupport.assertContent;
import static io.galleonfs.engine.TestSupport.pattern;
import static io.galleonfs.engine.TestSupport.read;
import static io.galleonfs.engine.TestSupport.readSnapshot;
import static io.galleonfs.engine.TestSupport.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Block metadata heap follows the data written, whatever the pattern (ARCHITECTURE.md, "3. Memory"), and
 * the sparse/dense chunk transitions never lose or corrupt a block.
 */
class MetadataMemoryTest {
    private static final long TIB = 1L << 40;
    private static final long SMALL = 4L << 30;
    private static final int CHUNK = ChunkDirectory.CHUNK_SIZE;
    /** Worst case per written block, each alone in its chunk: one sparse entry in the delta and in the resolved map. */
    private static final int PLAIN_WORST_BYTES = 64;
    private static final int SEALED_WORST_BYTES = 80;
    /** Dense chunks, per block: 13 (plain) or 29 (sealed) bytes of delta, 4 of resolved map, plus headers. */
    private static final double PLAIN_DENSE_BYTES = 17.2;
    private static final double SEALED_DENSE_BYTES = 33.3;
    /** One directory leaf: its AtomicReferenceArray and the 1024 references. */
    private static final long LEAF_BYTES = 16 + 16 + 4 * 1024;
    /** A directory covering 1 TiB of 4 KiB blocks with every leaf allocated: 256 leaves of 1024 slots. */
    private static final long TIB_DIRECTORY_BYTES = 256 * LEAF_BYTES + 16 + 16 + 16 + 4 * 256;

    @TempDir
    Path tmp;

    private static int worstBytes(boolean encrypted) {
        return encrypted ? SEALED_WORST_BYTES : PLAIN_WORST_BYTES;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void scatteredWritesOverATebibyteCostTheSparseBound(boolean encrypted) throws Exception {
        int writes = 16_384;
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(tmp.resolve("root")))) {
            VolumeImpl v = (VolumeImpl) engine.create(UUID.randomUUID(), TIB, encrypted);
            long empty = v.estimatedHeapBytes();
            Random rnd = new Random(16_384);
            long[] blocks = new long[writes];
            for (int i = 0; i < writes; i++) {
                blocks[i] = rnd.nextLong() & (TIB / BS - 1);
                write(v, blocks[i] * BS, pattern(blocks[i], BS));
            }
            v.awaitApplied();
            long grown = v.estimatedHeapBytes() - empty;
            long bound = (long) writes * worstBytes(encrypted) + 2 * TIB_DIRECTORY_BYTES;
            assertTrue(grown <= bound, grown + " bytes of metadata for " + writes + " scattered blocks, bound " + bound);
            for (int i = 0; i < writes; i += 61) {
                assertContent(pattern(blocks[i], BS), v, blocks[i] * BS);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void sequentialWritesCostTheDenseBound(boolean encrypted) throws Exception {
        int chunk = 1 << 20;
        long total = 64L << 20;
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(tmp.resolve("root")))) {
            VolumeImpl v = (VolumeImpl) engine.create(UUID.randomUUID(), TIB, encrypted);
            long empty = v.estimatedHeapBytes();
            for (long off = 0; off < total; off += chunk) {
                write(v, off, pattern(off, chunk));
            }
            v.awaitApplied();
            double perBlock = (double) (v.estimatedHeapBytes() - empty) / (total / BS);
            double bound = (encrypted ? SEALED_DENSE_BYTES : PLAIN_DENSE_BYTES) + 1;
            assertTrue(perBlock <= bound, perBlock + " bytes per sequential block, bound " + bound);
            assertContent(pattern(total - chunk, chunk), v, total - chunk);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aGibibyteOfScatteredBlocksStaysWithinTheWorstCase(boolean encrypted) {
        int blocks = (1 << 30) / BS;
        LayerDelta delta = new LayerDelta(encrypted);
        ResolvedMap resolved = new ResolvedMap();
        byte[] tag = encrypted ? new byte[LayerDelta.TAG_BYTES] : null;
        Random rnd = new Random(1);
        for (int i = 0; i < blocks; i++) {
            long block = rnd.nextLong() & (TIB / BS - 1);
            delta.setData(block, i, i, tag);
            resolved.set(block, 1);
        }
        long bytes = delta.estimatedHeapBytes() + resolved.estimatedHeapBytes();
        long bound = (long) blocks * worstBytes(encrypted);
        assertTrue(bytes <= bound, bytes + " bytes for 1 GiB of scattered blocks, bound " + bound);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void readsSurviveSparseToDenseConversion(boolean encrypted) throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        List<Long> offsets = new ArrayList<>();
        for (long b = CHUNK; b < 2 * CHUNK; b += 1) {
            offsets.add(b);
        }
        Collections.shuffle(offsets, new Random(3));
        List<Long> written = offsets.subList(0, 700);
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            VolumeImpl v = (VolumeImpl) engine.create(id, SMALL, encrypted);
            long sparseBytes = 0;
            for (int i = 0; i < written.size(); i++) {
                write(v, written.get(i) * BS, pattern(written.get(i), BS));
                if (i % 100 == 99 || i == written.size() - 1) {
                    v.awaitApplied();
                    for (long b : written.subList(0, i + 1)) {
                        assertContent(pattern(b, BS), v, b * BS);
                    }
                }
                if (i == 499) {
                    sparseBytes = v.tree.live().delta.estimatedHeapBytes();
                }
            }
            long oneDenseChunk = new LayerDelta(encrypted).estimatedHeapBytes() + LEAF_BYTES + DenseBlocks.heapBytes(encrypted);
            assertTrue(sparseBytes < oneDenseChunk, "500 blocks should still be sparse: " + sparseBytes);
            assertEquals(oneDenseChunk, v.tree.live().delta.estimatedHeapBytes(), "700 blocks should be dense");
            assertEquals(0, v.verify().badBlocks().size());
            assertArrayEquals(new byte[BS], read(v, offsets.get(800) * BS, BS));
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.find(id).orElseThrow();
            for (long b : written) {
                assertContent(pattern(b, BS), v, b * BS);
            }
            assertEquals(written.size(), v.verify().blocksChecked());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void trimToEmptyFreesTheChunks(boolean encrypted) throws Exception {
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(tmp.resolve("root")))) {
            VolumeImpl v = (VolumeImpl) engine.create(UUID.randomUUID(), SMALL, encrypted);
            long empty = v.estimatedHeapBytes();
            Random rnd = new Random(5);
            long[] blocks = new long[3000];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = rnd.nextLong() & (SMALL / BS - 1);
                write(v, blocks[i] * BS, pattern(blocks[i], BS));
            }
            v.awaitApplied();
            long full = v.estimatedHeapBytes();
            v.trim(0, SMALL);
            long trimmed = v.estimatedHeapBytes();
            assertFalse(v.tree.live().delta.anyPresent(0, SMALL / BS));
            assertEquals(0, v.tree.live().delta.dataBlocks());
            assertEquals(0, v.usage().allocatedBytes());
            // Only the directories' leaves stay (one each for 4 GiB); every chunk was freed.
            assertTrue(trimmed - empty <= 2 * LEAF_BYTES, empty + " -> " + full + " -> " + trimmed);
            for (int i = 0; i < blocks.length; i += 37) {
                assertArrayEquals(new byte[BS], read(v, blocks[i] * BS, BS));
            }
            write(v, blocks[0] * BS, pattern(-1, BS));
            assertContent(pattern(-1, BS), v, blocks[0] * BS);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void trimOverSnapshotsStoresZeroEntriesInSparseChunks(boolean encrypted) throws Exception {
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(tmp.resolve("root")))) {
            VolumeImpl v = (VolumeImpl) engine.create(UUID.randomUUID(), SMALL, encrypted);
            Random rnd = new Random(6);
            Map<Long, byte[]> before = new HashMap<>();
            for (int i = 0; i < 2000; i++) {
                long b = rnd.nextLong() & (SMALL / BS - 1);
                before.put(b, pattern(b, BS));
                write(v, b * BS, before.get(b));
            }
            v.createSnapshot("s");
            v.trim(0, SMALL / 2);
            for (var e : before.entrySet()) {
                byte[] expected = e.getKey() < SMALL / 2 / BS ? new byte[BS] : e.getValue();
                assertArrayEquals(expected, read(v, e.getKey() * BS, BS), "live block " + e.getKey());
                assertArrayEquals(e.getValue(), readSnapshot(v, "s", e.getKey() * BS, BS), "snapshot block " + e.getKey());
            }
            v.deleteSnapshot("s");
            for (var e : before.entrySet()) {
                byte[] expected = e.getKey() < SMALL / 2 / BS ? new byte[BS] : e.getValue();
                assertArrayEquals(expected, read(v, e.getKey() * BS, BS), "live block " + e.getKey());
            }
        }
    }

    /** A snapshot's sparse chunks merged into a child whose chunks are sparse too, one crossing to dense. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void snapshotMergeWithSparseChunks(boolean encrypted) throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        Random rnd = new Random(7);
        Map<Long, byte[]> live = new HashMap<>();
        Map<Long, byte[]> s2 = new HashMap<>();
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            VolumeImpl v = (VolumeImpl) engine.create(id, SMALL, encrypted);
            List<Long> chunkZero = new ArrayList<>();
            for (long b = 0; b < CHUNK; b++) {
                chunkZero.add(b);
            }
            Collections.shuffle(chunkZero, rnd);
            int gen = 0;
            for (long b : chunkZero.subList(0, 300)) {
                put(v, live, b, gen++);
            }
            for (int i = 0; i < 1500; i++) {
                put(v, live, rnd.nextLong() & (SMALL / BS - 1), gen++);
            }
            v.createSnapshot("s1");
            for (long b : chunkZero.subList(250, 600)) {
                put(v, live, b, gen++);
            }
            List<Long> scattered = new ArrayList<>(live.keySet());
            Collections.shuffle(scattered, rnd);
            for (long b : scattered.subList(0, 500)) {
                put(v, live, b, gen++);
            }
            long zeroed = scattered.get(600);
            v.trim(zeroed * BS, BS);
            live.put(zeroed, new byte[BS]);
            v.createSnapshot("s2");
            s2.putAll(live);
            for (long b : chunkZero.subList(600, 700)) {
                put(v, live, b, gen++);
            }
            v.deleteSnapshot("s1");
            assertEquals(List.of("s2"), v.snapshots().stream().map(SnapshotInfo::name).toList());
            check(v, live, s2);
            assertEquals(0, v.verify().badBlocks().size());
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            check(engine.find(id).orElseThrow(), live, s2);
        }
    }

    private static void put(Volume v, Map<Long, byte[]> model, long block, int gen) throws Exception {
        byte[] data = pattern(block * 1_000_003L + gen, BS);
        write(v, block * BS, data);
        model.put(block, data);
    }

    private static void check(Volume v, Map<Long, byte[]> live, Map<Long, byte[]> s2) throws Exception {
        for (var e : live.entrySet()) {
            assertArrayEquals(e.getValue(), read(v, e.getKey() * BS, BS), "live block " + e.getKey());
        }
        for (var e : s2.entrySet()) {
            assertArrayEquals(e.getValue(), readSnapshot(v, "s2", e.getKey() * BS, BS), "s2 block " + e.getKey());
        }
    }

    /** Readers of settled blocks race the journal thread growing, copying and converting the same chunks. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void readsOfSettledBlocksNeverSeeAChunkChange(boolean encrypted) throws Exception {
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(tmp.resolve("root")))) {
            VolumeImpl v = (VolumeImpl) engine.create(UUID.randomUUID(), SMALL, encrypted);
            int chunks = 4;
            List<Long> settled = new ArrayList<>();
            List<Long> racing = new ArrayList<>();
            for (long b = 0; b < (long) chunks * CHUNK; b++) {
                (b % 3 == 0 ? settled : racing).add(b);
            }
            Random rnd = new Random(8);
            Collections.shuffle(settled, rnd);
            for (long b : settled.subList(0, 400)) {
                write(v, b * BS, pattern(b, BS));
            }
            List<Long> stable = List.copyOf(settled.subList(0, 400));
            v.awaitApplied();
            Collections.shuffle(racing, rnd);
            AtomicBoolean done = new AtomicBoolean();
            try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
                List<Future<Integer>> readers = new ArrayList<>();
                for (int r = 0; r < 2; r++) {
                    int seed = r;
                    readers.add(pool.submit(() -> readUntil(v, stable, done, seed)));
                }
                try {
                    for (long b : racing) {
                        write(v, b * BS, pattern(b, BS));
                    }
                    v.awaitApplied();
                } finally {
                    done.set(true);
                }
                for (Future<Integer> reader : readers) {
                    assertTrue(reader.get() > 0);
                }
            }
            for (long b : racing) {
                assertContent(pattern(b, BS), v, b * BS);
            }
        }
    }

    private static int readUntil(Volume v, List<Long> blocks, AtomicBoolean done, int seed) throws IOException {
        Random rnd = new Random(seed);
        ByteBuffer buf = ByteBuffer.allocate(BS);
        int reads = 0;
        while (!done.get() || reads == 0) {
            long b = blocks.get(rnd.nextInt(blocks.size()));
            buf.clear();
            v.read(b * BS, buf);
            assertArrayEquals(pattern(b, BS), buf.array(), "settled block " + b);
            reads++;
        }
        return reads;
    }
}
