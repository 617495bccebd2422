package io.galleonfs.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a restore fetches: whole pack spans, one request each, exactly the blobs it needs; bad chunks still stop it. */
class RestoreFetchTest {
    @TempDir
    Path dir;
    private BackupRepository repo;

    @AfterEach
    void close() {
        if (repo != null) {
            repo.close();
        }
    }

    private static ChunkReader.Location loc(int ref, String pack, int offset, int length) {
        return new ChunkReader.Location(ref, new byte[32], pack, offset, length, length);
    }

    @Test
    void spansJoinAPacksChunksUpToTheGapAndSizeLimits() {
        int mib = 1 << 20;
        List<ChunkReader.Location> inPack = List.of(
                loc(0, "p", 0, mib), loc(1, "p", mib, mib),                      // adjacent
                loc(2, "p", 2 * mib + (int) ChunkReader.SPAN_GAP, mib),          // a hole of exactly SPAN_GAP: joined
                loc(3, "p", 4 * mib + 2 * (int) ChunkReader.SPAN_GAP, mib));     // a larger hole: a new span
        List<List<ChunkReader.Location>> spans = RestoreRun.spans(inPack);
        assertEquals(List.of(3, 1), spans.stream().map(List::size).toList());

        List<ChunkReader.Location> big = new ArrayList<>();
        int per = (int) (ChunkReader.SPAN_BYTES / mib);
        for (int i = 0; i < per + 1; i++) {
            big.add(loc(i, "p", i * mib, mib));
        }
        // one span holds at most SPAN_BYTES: a whole 32 MiB pack fits, a longer run is cut after SPAN_BYTES
        assertEquals(List.of(per, 1), RestoreRun.spans(big).stream().map(List::size).toList());
    }

    private FaultyStore store() throws Exception {
        return new FaultyStore(new DirectoryObjectStore(Files.createDirectories(dir.resolve("repo"))));
    }

    private BackupRepository init(ObjectStore store) {
        repo = BackupRepository.init(store, RepositoryContractTest.PASS, null,
                RepositoryOptions.defaults().withPackTargetBytes(8 << 20).withThreads(2));
        return repo;
    }

    @Test
    void anIncrementalIsFetchedAsPackSpansOfExactlyTheNeededBlobs() throws Exception {
        FaultyStore store = store();
        BackupRepository repo = init(store);
        int size = 48 << 20;
        MemoryVolume vol = MemoryVolume.mixed(size, 4096, 5);
        BackupManifest base = repo.backup(RepositoryContractTest.full("v"), vol, Progress.NONE, Cancellation.NONE);
        vol.toRead = vol.changeRandomBlocks(0.05, 7);
        BackupManifest inc = repo.backup(RepositoryContractTest.incremental("v", base.info().id()), vol,
                Progress.NONE, Cancellation.NONE);

        store.ranges.clear();
        MemoryVolume out = new MemoryVolume(size, 4096);
        repo.restore(inc.info().id(), out, Progress.NONE, Cancellation.NONE);
        assertArrayEquals(vol.data, out.data);

        // Every blob the restore needs, per pack, by offset.
        ChunkReader.Location[] where = repo.locate(inc.extents());
        Map<String, List<ChunkReader.Location>> needed = new HashMap<>();
        for (ChunkReader.Location l : where) {
            needed.computeIfAbsent(PackWriter.key(l.packId()), k -> new ArrayList<>()).add(l);
        }
        Set<Integer> covered = new HashSet<>();
        Map<String, Integer> requestsPerPack = new HashMap<>();
        for (FaultyStore.Range r : store.ranges) {
            List<ChunkReader.Location> blobs = needed.get(r.key());
            assertTrue(blobs != null, "fetched a pack the backup does not use: " + r);
            long end = r.offset() + r.length();
            // a span starts at a needed blob and ends at a needed blob's end: nothing before or after is fetched
            assertTrue(blobs.stream().anyMatch(l -> l.offset() == r.offset()), "span start " + r);
            assertTrue(blobs.stream().anyMatch(l -> l.end() == end), "span end " + r);
            blobs.stream().filter(l -> l.offset() >= r.offset() && l.end() <= end).forEach(l -> covered.add(l.ref()));
            requestsPerPack.merge(r.key(), 1, Integer::sum);
        }
        assertEquals(where.length, covered.size(), "every chunk is fetched");
        // The map alternates between the parent's chunks and the changed blocks' chunks in other packs; fetched per
        // window and pack, that is a few requests per pack, not one per 1 MiB piece (which was ~48 for this volume).
        int windows = (int) Math.ceil((double) size / RestoreRun.WINDOW_BYTES) + 1;
        for (Map.Entry<String, Integer> e : requestsPerPack.entrySet()) {
            assertTrue(e.getValue() <= windows, e.getValue() + " requests for " + e.getKey());
        }
        assertTrue(store.ranges.size() < where.length / 8,
                store.ranges.size() + " requests for " + where.length + " chunks");
        // each stored chunk is transferred about once (holes inside a span are read through, counted here)
        long stored = store.list("data/").stream().mapToLong(ObjectInfo::size).sum();
        assertTrue(store.rangeBytes.get() <= 1.2 * stored, store.rangeBytes.get() + " fetched of " + stored);
    }

    @Test
    void aFullBackupsRestoreReadsEachPackWithOneRequest() throws Exception {
        eachPackReadOnce(256); // incompressible: a 16 MiB pack holds 16 MiB of chunks, one window
    }

    @Test
    void aPackOfCompressibleChunksIsStillReadWithOneRequest() throws Exception {
        eachPackReadOnce(64); // 6 bits per byte: a 16 MiB pack holds about 21 MiB of chunks, more than one window
    }

    private void eachPackReadOnce(int symbols) throws Exception {
        FaultyStore store = store();
        repo = BackupRepository.init(store, RepositoryContractTest.PASS, null, RepositoryOptions.defaults().withThreads(2));
        int size = 112 << 20;
        MemoryVolume vol = new MemoryVolume(size, 4096);
        java.util.Random random = new java.util.Random(4);
        for (int i = 0; i < size; i++) {
            vol.data[i] = (byte) random.nextInt(symbols);
        }
        vol.toRead = vol.allocated();
        BackupManifest m = repo.backup(RepositoryContractTest.full("v"), vol, Progress.NONE, Cancellation.NONE);
        store.ranges.clear();
        MemoryVolume out = new MemoryVolume(size, 4096);
        repo.restore(m.info().id(), out, Progress.NONE, Cancellation.NONE);
        assertArrayEquals(vol.data, out.data);
        // Windows end where a pack ends (up to a cap), not in the middle of the next one: an S3 server that reads the
        // whole object for a ranged GET (moto_server does) then reads each pack once, not about twice.
        Map<String, Integer> requestsPerPack = new HashMap<>();
        store.ranges.forEach(r -> requestsPerPack.merge(r.key(), 1, Integer::sum));
        assertTrue(requestsPerPack.size() >= 5, requestsPerPack.toString());
        assertEquals(Set.of(1), new HashSet<>(requestsPerPack.values()), "requests per pack: " + requestsPerPack);
    }

    @Test
    void fullChunksAreDecodedIntoReusedBuffers() throws Exception {
        FaultyStore store = store();
        BackupRepository repo = init(store);
        int size = 96 << 20;
        MemoryVolume vol = new MemoryVolume(size, 4096);
        new java.util.Random(3).nextBytes(vol.data);
        vol.toRead = vol.allocated();
        BackupManifest m = repo.backup(RepositoryContractTest.full("v"), vol, Progress.NONE, Cancellation.NONE);
        MemoryVolume out = new MemoryVolume(size, 4096);
        RestoreRun run = new RestoreRun(repo, repo.manifest(m.info().id()), out, Progress.NONE, Cancellation.NONE);
        run.run();
        assertArrayEquals(vol.data, out.data);
        // 96 chunks of 1 MiB: the buffers in use at once are bounded by the windows in flight and the writes, not by
        // the volume (a buffer per chunk was 96 humongous arrays)
        int bound = RestoreRun.WINDOWS * RestoreRun.WINDOW_BYTES / PlainBuffers.SIZE + RestoreRun.WRITERS + 2;
        assertTrue(run.pooledBuffers() <= bound, run.pooledBuffers() + " buffers for 96 chunks, bound " + bound);
        assertTrue(run.requests() <= 96 / 8, run.requests() + " requests");
    }

    @Test
    void aCorruptChunkInsideASpanStopsTheRestoreWithItsIdAndRange() throws Exception {
        FaultyStore store = store();
        BackupRepository repo = init(store);
        int size = 24 << 20;
        MemoryVolume vol = new MemoryVolume(size, 4096);
        new java.util.Random(9).nextBytes(vol.data);
        vol.toRead = vol.allocated();
        BackupManifest m = repo.backup(RepositoryContractTest.full("v"), vol, Progress.NONE, Cancellation.NONE);
        // flip a byte in the middle of the 6th chunk (volume order = pack order for a full backup of one volume)
        ChunkReader.Location[] where = repo.locate(m.extents());
        ChunkReader.Location victim = java.util.Arrays.stream(where)
                .sorted(Comparator.comparingLong(l -> m.extents().volumeOffset(m.extents().firstExtentOf(l.ref()))))
                .skip(5).findFirst().orElseThrow();
        String key = PackWriter.key(victim.packId());
        byte[] pack = store.get(key);
        pack[victim.offset() + victim.blobLength() / 2] ^= 0x10;
        store.put(key, pack);

        MemoryVolume out = new MemoryVolume(size, 4096);
        ChunkCorruptedException e = assertThrows(ChunkCorruptedException.class,
                () -> repo.restore(m.info().id(), out, Progress.NONE, Cancellation.NONE));
        int ext = m.extents().firstExtentOf(victim.ref());
        assertEquals(Codecs.HEX.formatHex(victim.id()), e.chunkId());
        assertEquals(victim.packId(), e.packId());
        assertEquals(m.extents().volumeOffset(ext), e.volumeOffset());
        assertEquals(m.extents().length(ext), e.length());
        assertTrue(e.getMessage().contains("tag"), e.getMessage());
        assertFalse(out.flushed);
        assertTrue(out.bytesWritten.get() <= e.volumeOffset(), "nothing at or after the bad chunk was written");
    }

    @Test
    void aTruncatedPackStopsTheRestoreAtItsFirstMissingChunk() throws Exception {
        FaultyStore store = store();
        BackupRepository repo = init(store);
        int size = 12 << 20;
        MemoryVolume vol = new MemoryVolume(size, 4096);
        new java.util.Random(11).nextBytes(vol.data);
        vol.toRead = vol.allocated();
        BackupManifest m = repo.backup(RepositoryContractTest.full("v"), vol, Progress.NONE, Cancellation.NONE);
        ChunkReader.Location[] where = repo.locate(m.extents());
        ChunkReader.Location third = java.util.Arrays.stream(where)
                .sorted(Comparator.comparingInt(ChunkReader.Location::offset))
                .filter(l -> l.packId().equals(where[0].packId())).skip(2).findFirst().orElseThrow();
        String key = PackWriter.key(third.packId());
        byte[] pack = store.get(key);
        store.put(key, java.util.Arrays.copyOf(pack, third.offset() + 10));

        MemoryVolume out = new MemoryVolume(size, 4096);
        ChunkCorruptedException e = assertThrows(ChunkCorruptedException.class,
                () -> repo.restore(m.info().id(), out, Progress.NONE, Cancellation.NONE));
        assertEquals(Codecs.HEX.formatHex(third.id()), e.chunkId());
        assertEquals(m.extents().volumeOffset(m.extents().firstExtentOf(third.ref())), e.volumeOffset());
        assertTrue(e.getMessage().contains("shorter"), e.getMessage());
    }

    /**
     * A new volume reads as zeros: the restore skips the backup's zero ranges and keeps its writes going across them.
     * The first write here returns only once a write after the zero MiB has started, which a restore that waits for the
     * writes before each zero range never issues (that write would then time out and the test fail).
     */
    @Test
    void aSinkThatStartsZeroedGetsNoZeroRangesAndItsWritesGoOnAcrossThem() throws Exception {
        BackupRepository repo = init(store());
        int mib = 1 << 20;
        int size = 4 * mib;
        MemoryVolume vol = new MemoryVolume(size, 4096);
        java.util.Random rnd = new java.util.Random(13);
        for (int m : new int[] {0, 2}) {
            byte[] b = new byte[mib];
            rnd.nextBytes(b);
            System.arraycopy(b, 0, vol.data, m * mib, mib);
        }
        vol.toRead = vol.allocated();
        BackupManifest backup = repo.backup(RepositoryContractTest.full("v"), vol, Progress.NONE, Cancellation.NONE);

        java.util.concurrent.CountDownLatch afterTheGap = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean overlapped = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger zeroCalls = new java.util.concurrent.atomic.AtomicInteger();
        MemoryVolume out = new MemoryVolume(size, 4096);
        RestoreSink sink = new RestoreSink() {
            @Override
            public long sizeBytes() {
                return out.sizeBytes();
            }

            @Override
            public boolean startsZeroed() {
                return true;
            }

            @Override
            public void write(long offset, java.nio.ByteBuffer src) {
                if (offset >= 2L * mib) {
                    afterTheGap.countDown();
                } else {
                    try {
                        overlapped.set(afterTheGap.await(60, java.util.concurrent.TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                out.write(offset, src);
            }

            @Override
            public void writeZeros(long offset, long length) {
                zeroCalls.incrementAndGet();
            }

            @Override
            public void flush() {
                out.flush();
            }
        };
        repo.restore(backup.info().id(), sink, Progress.NONE, Cancellation.NONE);
        assertArrayEquals(vol.data, out.data);
        assertEquals(0, zeroCalls.get(), "zero ranges of a sink that starts zeroed are skipped");
        assertTrue(overlapped.get(), "the write after the zero MiB started while the one before it was running");
        assertTrue(out.flushed);
    }
}
