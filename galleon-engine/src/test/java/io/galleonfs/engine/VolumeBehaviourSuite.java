package io.galleonfs.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/**
 * What every {@link Volume} implementation must do, through the {@code Volume} API alone (plus creating, cloning and
 * reopening volumes through {@link Engine}). One subclass per implementation: {@code BlockEngineVolumeTest} (the layer
 * engine) and {@code LogVolumeTest} (the log-structured store), each also with encrypted volumes. 4 KiB blocks.
 */
public abstract class VolumeBehaviourSuite {
    protected static final int BS = 4096;
    private static final int BLOCKS = 48;

    /** The engine of one implementation, opened on a directory. */
    protected interface Engine extends AutoCloseable {
        Volume create(UUID id, long sizeBytes) throws IOException;

        Volume find(UUID id);

        Volume cloneVolume(UUID source, String snapshotOrNull, UUID target) throws IOException;

        /** Waits until background work (merges, applies) the implementation does after a call is done. */
        default void settle(Volume v) throws IOException {
        }

        @Override
        void close() throws IOException;
    }

    protected abstract Engine open(Path root) throws IOException;

    /** Whether {@link Engine#create} makes encrypted volumes. */
    protected boolean encrypted() {
        return false;
    }

    @TempDir
    protected Path tmp;

    private Path root() {
        return tmp.resolve("root");
    }

    private static byte[] pattern(long seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] read(Volume v, long offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        v.read(offset, buf);
        return buf.array();
    }

    private static byte[] readSnapshot(Volume v, String name, long offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        v.readSnapshot(name, offset, buf);
        return buf.array();
    }

    private static void write(Volume v, long offset, byte[] data) throws IOException {
        v.write(offset, ByteBuffer.wrap(data), WriteConcern.ACKNOWLEDGED);
    }

    private VolumeUsage usage(Engine e, Volume v) throws IOException {
        e.settle(v);
        return v.usage();
    }

    /** Content model: the live image and each snapshot's image. */
    private static final class Model {
        byte[] live = new byte[BLOCKS * BS];
        final Map<String, byte[]> snapshots = new HashMap<>();

        void write(Volume v, long offset, byte[] data) throws IOException {
            VolumeBehaviourSuite.write(v, offset, data);
            System.arraycopy(data, 0, live, (int) offset, data.length);
        }

        void snapshot(Volume v, String name) throws IOException {
            v.createSnapshot(name);
            snapshots.put(name, live.clone());
        }

        void verify(Volume v) throws IOException {
            assertArrayEquals(live, read(v, 0, live.length), "live view");
            for (var e : snapshots.entrySet()) {
                assertArrayEquals(e.getValue(), readSnapshot(v, e.getKey(), 0, live.length), "snapshot " + e.getKey());
            }
            assertEquals(snapshots.keySet(), new HashSet<>(v.snapshots().stream().map(SnapshotInfo::name).toList()));
        }
    }

    @Test
    void alignedUnalignedAndCrossBlockIo() throws Exception {
        try (Engine engine = open(root())) {
            Volume v = engine.create(UUID.randomUUID(), 64L * BS);
            assertEquals(64L * BS, v.sizeBytes());
            assertEquals(BS, v.blockSize());
            assertEquals(encrypted(), v.encrypted());
            byte[] aligned = pattern(1, 3 * BS);
            v.write(2L * BS, ByteBuffer.wrap(aligned), WriteConcern.DURABLE);
            assertArrayEquals(aligned, read(v, 2L * BS, aligned.length));
            byte[] unaligned = pattern(2, BS + 1000);
            write(v, 10L * BS + 123, unaligned);
            assertArrayEquals(unaligned, read(v, 10L * BS + 123, unaligned.length));
            assertArrayEquals(new byte[123], read(v, 10L * BS, 123), "bytes before an unaligned write stay zero");
            assertArrayEquals(new byte[BS - 1123 + BS], read(v, 10L * BS + 123 + unaligned.length, BS - 1123 + BS),
                    "bytes after an unaligned write stay zero");
            byte[] tiny = {7, 8, 9};
            write(v, 3L * BS - 1, tiny);
            byte[] expected = aligned.clone();
            System.arraycopy(tiny, 0, expected, BS - 1, 3);
            byte[] whole = read(v, 0, 64 * BS);
            assertArrayEquals(new byte[2 * BS], Arrays.copyOfRange(whole, 0, 2 * BS));
            assertArrayEquals(expected, Arrays.copyOfRange(whole, 2 * BS, 5 * BS));
            ByteBuffer direct = ByteBuffer.allocateDirect(2 * BS + 5);
            v.readVerified(2L * BS + 1, direct);
            byte[] fromDirect = new byte[direct.flip().remaining()];
            direct.get(fromDirect);
            assertArrayEquals(Arrays.copyOfRange(whole, 2 * BS + 1, 4 * BS + 6), fromDirect, "readVerified, direct buffer");
            v.flush();
        }
    }

    /**
     * Batches of writes ({@link Volume#writeAll}: a replica's queued writes) land as if written one after the other:
     * whole blocks at random with repeats (the later wins), multi-block writes, an unaligned write (the batch goes write
     * by write), a snapshot in between keeps what was before; the content survives a reopen; a batch reaching past the
     * end is refused whole.
     */
    @Test
    void batchesOfWritesLandInOrder() throws Exception {
        UUID id = UUID.randomUUID();
        Model model = new Model();
        Random random = new Random(11);
        try (Engine engine = open(root())) {
            Volume v = engine.create(id, (long) BLOCKS * BS);
            for (int round = 0; round < 40; round++) {
                List<Volume.Write> batch = new ArrayList<>();
                byte[] image = model.live.clone();
                int size = 1 + random.nextInt(12);
                for (int i = 0; i < size; i++) {
                    int blocks = random.nextInt(5) == 0 ? 1 + random.nextInt(4) : 1;
                    long offset = (long) random.nextInt(BLOCKS - blocks + 1) * BS;
                    int length = blocks * BS;
                    if (round % 10 == 9 && i == 0) {
                        offset += 100; // unaligned: the whole batch goes write by write
                        length -= 100;
                    }
                    byte[] data = pattern(round * 100L + i, length);
                    System.arraycopy(data, 0, image, (int) offset, length);
                    ByteBuffer buffer = ByteBuffer.allocate(length + 8).position(4).limit(4 + length).slice();
                    buffer.put(data).flip();
                    batch.add(new Volume.Write(offset, buffer));
                }
                v.writeAll(batch, round % 3 == 0 ? WriteConcern.DURABLE : WriteConcern.ACKNOWLEDGED);
                for (Volume.Write w : batch) {
                    assertEquals(0, w.data().position(), "the batch's buffers are read, not consumed");
                }
                model.live = image;
                if (round == 20) {
                    model.snapshot(v, "mid");
                }
                model.verify(v);
            }
            byte[] before = model.live.clone();
            List<Volume.Write> tooFar = List.of(new Volume.Write(0, ByteBuffer.wrap(pattern(7, BS))),
                    new Volume.Write((long) BLOCKS * BS, ByteBuffer.wrap(pattern(8, BS))));
            assertThrows(OutOfRangeException.class, () -> v.writeAll(tooFar, WriteConcern.ACKNOWLEDGED));
            assertArrayEquals(before, read(v, 0, before.length), "a refused batch changes nothing");
            v.flush();
        }
        try (Engine engine = open(root())) {
            model.verify(engine.find(id));
        }
    }

    @Test
    void outOfRangeAndEmptyRanges() throws Exception {
        try (Engine engine = open(root())) {
            Volume v = engine.create(UUID.randomUUID(), 4L * BS);
            assertThrows(OutOfRangeException.class, () -> v.write(4L * BS - 1, ByteBuffer.allocate(2), WriteConcern.ACKNOWLEDGED));
            assertThrows(OutOfRangeException.class, () -> v.read(-1, ByteBuffer.allocate(1)));
            assertThrows(OutOfRangeException.class, () -> v.read(4L * BS, ByteBuffer.allocate(1)));
            assertThrows(OutOfRangeException.class, () -> v.read(Long.MAX_VALUE, ByteBuffer.allocate(2)));
            assertThrows(OutOfRangeException.class, () -> v.trim(3L * BS, 2L * BS));
            v.read(4L * BS, ByteBuffer.allocate(0));
            v.write(0, ByteBuffer.allocate(0), WriteConcern.DURABLE);
        }
    }

    @Test
    void contentSurvivesReopen() throws Exception {
        UUID id = UUID.randomUUID();
        byte[] data = pattern(3, 5 * BS + 17);
        try (Engine engine = open(root())) {
            Volume v = engine.create(id, 128L * BS);
            write(v, 7L * BS + 5, data);
            v.createSnapshot("s");
            write(v, 7L * BS + 5, pattern(4, 10));
        }
        try (Engine engine = open(root())) {
            Volume v = engine.find(id);
            assertArrayEquals(data, readSnapshot(v, "s", 7L * BS + 5, data.length));
            byte[] live = data.clone();
            System.arraycopy(pattern(4, 10), 0, live, 0, 10);
            assertArrayEquals(live, read(v, 7L * BS + 5, data.length));
        }
    }

    @Test
    void concurrentPartialAndWholeWritesToOneBlockCompose() throws Exception {
        try (Engine engine = open(root())) {
            Volume v = engine.create(UUID.randomUUID(), 4L * BS);
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
                            Arrays.fill(b, (byte) (thread * 16 + round % 16));
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
    void chainOfSnapshotsReadsCorrectlyAtEveryLevel() throws Exception {
        UUID id = UUID.randomUUID();
        Model model = new Model();
        try (Engine engine = open(root())) {
            Volume v = engine.create(id, (long) BLOCKS * BS);
            for (int gen = 0; gen < 40; gen++) {
                model.write(v, (long) (gen * 7 % BLOCKS) * BS, pattern(gen, BS));
                model.write(v, (long) (gen % BLOCKS) * BS + 1000, pattern(1000 + gen, 300));
                model.snapshot(v, "s" + gen);
            }
            model.write(v, 5L * BS, pattern(5000, 2 * BS));
            model.verify(v);
            List<SnapshotInfo> infos = v.snapshots();
            assertEquals("s0", infos.getFirst().name());
            assertEquals("s39", infos.getLast().name());
            assertEquals(40, v.usage().snapshotCount());
        }
        try (Engine engine = open(root())) {
            model.verify(engine.find(id));
        }
    }

    @Test
    void deletingSnapshotsKeepsOthersIntactAndReclaims() throws Exception {
        UUID id = UUID.randomUUID();
        Model model = new Model();
        try (Engine engine = open(root())) {
            Volume v = engine.create(id, (long) BLOCKS * BS);
            for (int gen = 0; gen < 10; gen++) {
                model.write(v, (long) gen * 4 * BS, pattern(gen, 4 * BS));
                model.write(v, 0, pattern(100 + gen, 8 * BS));
                model.snapshot(v, "s" + gen);
            }
            model.write(v, 0, pattern(999, BLOCKS * BS));
            long storedBefore = usage(engine, v).totalStoredBytes();
            for (int gen = 0; gen < 10; gen += 2) {
                v.deleteSnapshot("s" + gen);
                model.snapshots.remove("s" + gen);
                model.verify(v);
            }
            long storedAfter = usage(engine, v).totalStoredBytes();
            assertTrue(storedAfter < storedBefore, storedBefore + " -> " + storedAfter);
            assertThrows(NoSuchSnapshotException.class, () -> v.deleteSnapshot("s0"));
            for (int gen = 1; gen < 10; gen += 2) {
                v.deleteSnapshot("s" + gen);
                model.snapshots.remove("s" + gen);
            }
            model.verify(v);
            VolumeUsage usage = usage(engine, v);
            assertEquals(0, usage.snapshotCount());
            assertEquals((long) BLOCKS * BS, usage.totalStoredBytes());
            assertEquals((long) BLOCKS * BS, usage.allocatedBytes());
            assertTrue(v.verify().healthy());
        }
        try (Engine engine = open(root())) {
            model.verify(engine.find(id));
        }
    }

    @Test
    void restoreKeepsOtherSnapshots() throws Exception {
        UUID id = UUID.randomUUID();
        Model model = new Model();
        try (Engine engine = open(root())) {
            Volume v = engine.create(id, (long) BLOCKS * BS);
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
            v.restore("b");
            model.live = model.snapshots.get("b").clone();
            model.verify(v);
            assertThrows(NoSuchSnapshotException.class, () -> v.restore("nope"));
        }
        try (Engine engine = open(root())) {
            model.verify(engine.find(id));
        }
    }

    @Test
    void snapshotNamesAreValidated() throws Exception {
        try (Engine engine = open(root())) {
            Volume v = engine.create(UUID.randomUUID(), 8L * BS);
            SnapshotInfo info = v.createSnapshot("x");
            assertEquals("x", info.name());
            assertTrue(info.createdAtMillis() > 0);
            assertThrows(SnapshotExistsException.class, () -> v.createSnapshot("x"));
            assertThrows(IllegalArgumentException.class, () -> v.createSnapshot(" "));
            assertThrows(IllegalArgumentException.class, () -> v.createSnapshot("n".repeat(256)));
            assertThrows(NoSuchSnapshotException.class, () -> v.readSnapshot("nope", 0, ByteBuffer.allocate(1)));
            v.deleteSnapshot("x");
            assertTrue(v.snapshots().isEmpty());
            v.createSnapshot("x");
            assertEquals(List.of("x"), v.snapshots().stream().map(SnapshotInfo::name).toList());
        }
    }

    @Test
    void trimZeroesTheRangeAndFreesWholeBlocks() throws Exception {
        UUID id = UUID.randomUUID();
        byte[] model = pattern(1, 256 * BS);
        try (Engine engine = open(root())) {
            Volume v = engine.create(id, model.length);
            write(v, 0, model);
            assertEquals(256L * BS, usage(engine, v).allocatedBytes());
            long offset = 10L * BS + 100;
            long length = 200L * BS;
            v.trim(offset, length);
            Arrays.fill(model, (int) offset, (int) (offset + length), (byte) 0);
            assertArrayEquals(model, read(v, 0, model.length));
            // Blocks 11..209 are whole inside the range; the edge blocks 10 and 210 are zero-filled writes.
            assertEquals((256L - 199) * BS, usage(engine, v).allocatedBytes());
            v.trim(BS + 1, 10);
            Arrays.fill(model, BS + 1, BS + 11, (byte) 0);
            write(v, 50L * BS, pattern(2, BS));
            System.arraycopy(pattern(2, BS), 0, model, 50 * BS, BS);
            assertArrayEquals(model, read(v, 0, model.length));
            assertTrue(v.verify().healthy());
        }
        try (Engine engine = open(root())) {
            assertArrayEquals(model, read(engine.find(id), 0, model.length));
        }
    }

    @Test
    void trimHidesSnapshotDataInTheLiveViewOnly() throws Exception {
        try (Engine engine = open(root())) {
            byte[] data = pattern(3, 32 * BS);
            Volume v = engine.create(UUID.randomUUID(), data.length);
            write(v, 0, data);
            v.createSnapshot("s");
            write(v, 0, pattern(4, 2 * BS));
            v.trim(0, 16L * BS);
            byte[] live = data.clone();
            Arrays.fill(live, 0, 16 * BS, (byte) 0);
            assertArrayEquals(live, read(v, 0, live.length));
            assertArrayEquals(data, readSnapshot(v, "s", 0, data.length));
            v.deleteSnapshot("s");
            assertArrayEquals(live, read(v, 0, live.length), "the trimmed range stays zero once the snapshot is gone");
            assertEquals(16L * BS, usage(engine, v).allocatedBytes());
            v.trim(0, live.length);
            assertArrayEquals(new byte[live.length], read(v, 0, live.length));
            assertEquals(0, usage(engine, v).totalStoredBytes());
        }
    }

    @Test
    void expandGrowsOnlineAndPersists() throws Exception {
        UUID id = UUID.randomUUID();
        try (Engine engine = open(root())) {
            Volume v = engine.create(id, 8L * BS);
            write(v, 7L * BS, pattern(1, BS));
            assertThrows(OutOfRangeException.class, () -> write(v, 8L * BS, new byte[1]));
            v.expand(1L << 30);
            assertEquals(1L << 30, v.sizeBytes());
            assertArrayEquals(new byte[BS], read(v, 8L * BS, BS));
            write(v, (1L << 30) - 10, pattern(2, 10));
            assertArrayEquals(pattern(1, BS), read(v, 7L * BS, BS));
            v.createSnapshot("big");
            assertThrows(EngineException.class, () -> v.expand(8L * BS));
            assertThrows(IllegalArgumentException.class, () -> v.expand((1L << 30) + 1));
            v.expand(1L << 30);
            v.write(0, ByteBuffer.wrap(pattern(3, 5)), WriteConcern.DURABLE);
        }
        try (Engine engine = open(root())) {
            Volume v = engine.find(id);
            assertEquals(1L << 30, v.sizeBytes());
            assertArrayEquals(pattern(2, 10), read(v, (1L << 30) - 10, 10));
            assertArrayEquals(pattern(2, 10), readSnapshot(v, "big", (1L << 30) - 10, 10));
        }
    }

    @Test
    void changedBlocksBetweenTwoSnapshots() throws Exception {
        try (Engine engine = open(root())) {
            Volume v = engine.create(UUID.randomUUID(), 64L * BS);
            write(v, 0, pattern(1, 10 * BS));
            v.createSnapshot("a");
            write(v, 3L * BS, pattern(2, BS));
            write(v, 20L * BS + 7, pattern(3, 10));
            v.trim(5L * BS, 2L * BS);
            v.createSnapshot("b");
            write(v, 40L * BS, pattern(4, BS));
            engine.settle(v);
            assertEquals(RoaringBitmap.bitmapOf(3, 5, 6, 20), v.changedBlocks("a", "b"));
            assertEquals(RoaringBitmap.bitmapOf(0, 1, 2, 3, 4, 7, 8, 9, 20), v.changedBlocks(null, "b"));
            assertEquals(RoaringBitmap.bitmapOf(3, 5, 6, 20), v.changedBlocks("b", "a"));
            assertTrue(v.changedBlocks("a", "a").isEmpty());
            assertThrows(NoSuchSnapshotException.class, () -> v.changedBlocks("nope", "b"));
            assertThrows(NoSuchSnapshotException.class, () -> v.changedBlocks("a", "nope"));
            RoaringBitmap allocated = v.allocatedBlocks();
            assertTrue(allocated.contains(RoaringBitmap.bitmapOf(0, 1, 2, 3, 4, 7, 8, 9, 20, 40)), allocated.toString());
            for (int b = 0; b < 64; b++) {
                if (!allocated.contains(b)) {
                    assertArrayEquals(new byte[BS], read(v, (long) b * BS, BS), "unlisted block " + b + " reads zeros");
                }
            }
        }
    }

    @Test
    void changedBlocksStayASupersetThroughDeletesAndRestores() throws Exception {
        Random random = new Random(42);
        int blocks = 64;
        try (Engine engine = open(root())) {
            Volume v = engine.create(UUID.randomUUID(), (long) blocks * BS);
            List<String> live = new ArrayList<>();
            for (int step = 0; step < 60; step++) {
                int op = random.nextInt(10);
                if (op < 5) {
                    int block = random.nextInt(blocks);
                    int len = 1 + random.nextInt(Math.min(4, blocks - block));
                    write(v, (long) block * BS, pattern(step, len * BS));
                } else if (op < 6) {
                    v.trim((long) random.nextInt(blocks) * BS, BS);
                } else if (op < 8 || live.size() < 2) {
                    String name = "s" + step;
                    v.createSnapshot(name);
                    live.add(name);
                } else if (op < 9) {
                    v.deleteSnapshot(live.remove(random.nextInt(live.size())));
                } else {
                    v.restore(live.get(random.nextInt(live.size())));
                }
                engine.settle(v);
                byte[][] images = new byte[live.size()][];
                for (int i = 0; i < images.length; i++) {
                    images[i] = readSnapshot(v, live.get(i), 0, blocks * BS);
                }
                for (int i = 0; i < images.length; i++) {
                    RoaringBitmap full = v.changedBlocks(null, live.get(i));
                    for (int j = 0; j < images.length; j++) {
                        RoaringBitmap changed = v.changedBlocks(live.get(j), live.get(i));
                        for (int b = 0; b < blocks; b++) {
                            if (!full.contains(b)) {
                                assertArrayEquals(new byte[BS], Arrays.copyOfRange(images[i], b * BS, (b + 1) * BS),
                                        "block " + b + " of " + live.get(i) + " holds data but was not listed");
                            }
                            if (!changed.contains(b)) {
                                assertTrue(Arrays.equals(images[i], b * BS, (b + 1) * BS, images[j], b * BS, (b + 1) * BS),
                                        "block " + b + " differs between " + live.get(j) + " and " + live.get(i));
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void clonesAreIndependentOfTheirSource() throws Exception {
        try (Engine engine = open(root())) {
            Volume source = engine.create(UUID.randomUUID(), 64L * BS);
            byte[] original = new byte[64 * BS];
            byte[] data = pattern(1, 10 * BS + 77);
            System.arraycopy(data, 0, original, 3 * BS, data.length);
            write(source, 3L * BS, data);
            source.createSnapshot("snap");
            write(source, 0, pattern(5, 2 * BS));
            byte[] atNow = original.clone();
            System.arraycopy(pattern(5, 2 * BS), 0, atNow, 0, 2 * BS);

            Volume ofLive = engine.cloneVolume(source.id(), null, UUID.randomUUID());
            Volume ofSnap = engine.cloneVolume(source.id(), "snap", UUID.randomUUID());
            assertEquals(source.sizeBytes(), ofLive.sizeBytes());
            assertArrayEquals(atNow, read(ofLive, 0, atNow.length));
            assertArrayEquals(original, read(ofSnap, 0, original.length));
            assertEquals(11L * BS, usage(engine, ofSnap).allocatedBytes(), "thin: only the written blocks");
            assertTrue(ofSnap.snapshots().isEmpty());

            write(ofSnap, 20L * BS, pattern(2, BS));
            write(source, 30L * BS, pattern(3, BS));
            assertArrayEquals(new byte[BS], read(source, 20L * BS, BS), "clone writes do not leak into the source");
            assertArrayEquals(new byte[BS], read(ofSnap, 30L * BS, BS), "source writes do not leak into the clone");
            assertArrayEquals(new byte[BS], read(ofLive, 30L * BS, BS), "source writes do not leak into the clone");
            source.deleteSnapshot("snap");
            assertArrayEquals(pattern(2, BS), read(ofSnap, 20L * BS, BS));
            assertArrayEquals(Arrays.copyOfRange(original, 0, 20 * BS), read(ofSnap, 0, 20 * BS),
                    "the clone keeps its content after the source's snapshot is gone");
            assertThrows(NoSuchSnapshotException.class, () -> engine.cloneVolume(source.id(), "missing", UUID.randomUUID()));
            assertThrows(VolumeExistsException.class, () -> engine.cloneVolume(source.id(), null, ofLive.id()));
            assertThrows(NoSuchVolumeException.class, () -> engine.cloneVolume(UUID.randomUUID(), null, UUID.randomUUID()));
        }
    }
}
