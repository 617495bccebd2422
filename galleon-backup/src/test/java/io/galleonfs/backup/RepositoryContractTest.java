package io.galleonfs.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

/**
 * The repository's behaviour, run against every object store (directory, S3): subclasses only say how to make a
 * fresh empty store.
 */
abstract class RepositoryContractTest {
    static final char[] PASS = "correct horse battery staple".toCharArray();
    static final byte[] CLUSTER_KEY = "cluster-key-0123456789abcdef-xyz".getBytes();
    static final RepositoryOptions OPTIONS = RepositoryOptions.defaults().withPackTargetBytes(4 << 20).withThreads(2);

    private final List<AutoCloseable> closeables = new ArrayList<>();

    /** A new, empty store; {@code name} distinguishes several stores in one test. */
    abstract ObjectStore newStore(String name);

    /** A second handle on the store {@code name} (as a new process would open it). */
    abstract ObjectStore reopenStore(String name);

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
    }

    <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    BackupRepository init(ObjectStore store) {
        return track(BackupRepository.init(store, PASS, CLUSTER_KEY, OPTIONS));
    }

    static BackupRequest full(String volume) {
        return new BackupRequest(volume, volume + "-name", BackupStrategy.FULL, null, "snap-1", Map.of("k", "v"));
    }

    static BackupRequest incremental(String volume, String parent) {
        return new BackupRequest(volume, volume, BackupStrategy.INCREMENTAL, parent, "snap-2", Map.of());
    }

    static long storedBytes(ObjectStore store) {
        return store.list("").stream().mapToLong(ObjectInfo::size).sum();
    }

    static byte[] restore(BackupRepository repo, String id, int size) {
        MemoryVolume out = new MemoryVolume(size, 4096);
        java.util.Arrays.fill(out.data, (byte) 0x5A); // in-place restore over old data: holes must become zeros
        repo.restore(id, out, Progress.NONE, Cancellation.NONE);
        assertTrue(out.flushed);
        return out.data;
    }

    @Test
    void fullBackupRestoresIdenticalBytesAndListsIt() {
        ObjectStore store = newStore("full");
        BackupRepository repo = init(store);
        MemoryVolume vol = MemoryVolume.mixed(24 << 20, 4096, 1);
        List<Phase> phases = new ArrayList<>();
        BackupManifest m = repo.backup(full("vol-a"), vol, (p, d, t) -> phases.add(p), Cancellation.NONE);
        assertTrue(phases.contains(Phase.READING) && phases.getLast() == Phase.DONE, phases.toString());
        assertEquals(vol.toRead.getCardinality() * 4096L, vol.bytesRead.get(), "reads only allocated blocks");
        assertArrayEquals(vol.data, restore(repo, m.info().id(), vol.data.length));
        BackupInfo info = repo.list().getFirst();
        assertEquals(m.info(), info);
        assertEquals("vol-a", info.volumeId());
        assertEquals(Map.of("k", "v"), info.labels());
        assertEquals(24 << 20, info.sizeBytes());
        // repeated 64 KiB pattern dedups within the volume; zeros are not stored at all
        assertTrue(m.info().stats().bytesStored() < vol.data.length / 2, m.info().stats().toString());
        assertTrue(store.list("data/").size() >= 2, "several packs of 4 MiB");
    }

    @Test
    void incrementalStoresAndReadsOnlyTheChangedBlocks() {
        FaultyStore store = new FaultyStore(newStore("incr"));
        BackupRepository repo = init(store);
        int size = 64 << 20;
        MemoryVolume vol = MemoryVolume.mixed(size, 4096, 2);
        BackupManifest base = repo.backup(full("vol"), vol, Progress.NONE, Cancellation.NONE);
        byte[] original = vol.data.clone();
        long before = storedBytes(store);

        RoaringBitmap changed = vol.changeRandomBlocks(0.05, 3);
        long changedBytes = changed.getCardinality() * 4096L;
        vol.toRead = changed;
        vol.bytesRead.set(0);
        BackupManifest inc = repo.backup(incremental("vol", base.info().id()), vol, Progress.NONE,
                Cancellation.NONE);
        long stored = storedBytes(store) - before;
        System.out.printf("FIGURE P8 changed=%d read=%d newPlain=%d storedOnTarget=%d ratio=%.3f%n", changedBytes,
                vol.bytesRead.get(), inc.info().stats().bytesNew(), stored, (double) stored / changedBytes);
        assertEquals(changedBytes, vol.bytesRead.get(), "reads exactly the changed blocks");
        assertTrue(inc.info().stats().bytesNew() <= 1.1 * changedBytes, "P8 before compression");
        assertTrue(stored <= 1.1 * changedBytes, "P8 on the target: " + stored + " for " + changedBytes);
        store.rangeBytes.set(0);
        assertArrayEquals(vol.data, restore(repo, inc.info().id(), size));
        // The incremental's map alternates between the parent's 1 MiB chunks and the changed blocks' small chunks:
        // each chunk is fetched once, not once per piece (that was ~14 times the repository for 5 % changed).
        long fetched = store.rangeBytes.get();
        assertTrue(fetched <= 1.5 * storedBytes(store), "restore fetched " + fetched + " of " + storedBytes(store) + " stored");
        assertArrayEquals(original, restore(repo, base.info().id(), size));
        assertEquals(base.info().id(), inc.info().parentBackupId());
    }

    @Test
    void discardedBlocksRestoreAsZerosAndDifferentialNeedsAParent() {
        ObjectStore store = newStore("diff");
        BackupRepository repo = init(store);
        MemoryVolume vol = MemoryVolume.mixed(8 << 20, 4096, 4);
        BackupManifest base = repo.backup(full("v"), vol, Progress.NONE, Cancellation.NONE);
        // discard blocks 10..19 (random data before): the changed map names them and they read as zeros
        java.util.Arrays.fill(vol.data, 10 * 4096, 20 * 4096, (byte) 0);
        RoaringBitmap changed = RoaringBitmap.bitmapOfRange(10, 20);
        vol.toRead = changed;
        BackupManifest diff = repo.backup(new BackupRequest("v", "v", BackupStrategy.DIFFERENTIAL,
                base.info().id(), "s", null), vol, Progress.NONE, Cancellation.NONE);
        assertEquals(10 * 4096, diff.info().stats().bytesZero());
        assertArrayEquals(vol.data, restore(repo, diff.info().id(), vol.data.length));
        assertThrows(InvalidBackupRequestException.class, () -> repo.backup(new BackupRequest("v", "v",
                BackupStrategy.INCREMENTAL, null, "s", null), vol, Progress.NONE, Cancellation.NONE));
        assertThrows(BackupNotFoundException.class, () -> repo.backup(incremental("v", "00000000000000000000"),
                vol, Progress.NONE, Cancellation.NONE));
    }

    @Test
    void identicalVolumesShareChunks() {
        ObjectStore store = newStore("dedup");
        BackupRepository repo = init(store);
        MemoryVolume a = MemoryVolume.mixed(8 << 20, 4096, 5);
        MemoryVolume clone = a.copy();
        repo.backup(full("a"), a, Progress.NONE, Cancellation.NONE);
        long before = storedBytes(store);
        BackupManifest b = repo.backup(full("clone-of-a"), clone, Progress.NONE, Cancellation.NONE);
        assertEquals(0, b.info().stats().chunksNew(), "a clone's full backup stores no chunk");
        assertTrue(storedBytes(store) - before < 64 << 10, "only index/manifest bytes");
        assertEquals(b.info().contentDigest(), repo.list().getFirst().contentDigest());
    }

    @Test
    void brandNewClusterRestoresWithThePassphraseOnly() {
        ObjectStore store = newStore("recovery");
        MemoryVolume vol = MemoryVolume.mixed(8 << 20, 4096, 6);
        String id;
        try (BackupRepository repo = BackupRepository.init(store, PASS, CLUSTER_KEY, OPTIONS)) {
            id = repo.backup(full("v"), vol, Progress.NONE, Cancellation.NONE).info().id();
        }
        // every node lost: a new process, a new store handle, no cluster key
        ObjectStore fresh = track(reopenStore("recovery"));
        assertThrows(WrongPassphraseException.class,
                () -> BackupRepository.open(fresh, Unlock.passphrase("wrong passphrase!".toCharArray()), OPTIONS));
        assertThrows(WrongPassphraseException.class,
                () -> BackupRepository.open(fresh, Unlock.clusterKey("another-cluster-key-0123456789".getBytes()),
                        OPTIONS));
        BackupRepository recovered = track(BackupRepository.open(fresh, Unlock.passphrase(PASS), OPTIONS));
        assertArrayEquals(vol.data, restore(recovered, id, vol.data.length));
        // the new cluster adopts the repository with its own key
        byte[] newClusterKey = "the-new-clusters-key-0123456789".getBytes();
        recovered.setClusterKey(newClusterKey);
        BackupRepository viaKey = track(BackupRepository.open(fresh, Unlock.clusterKey(newClusterKey), OPTIONS));
        assertEquals(recovered.repositoryId(), viaKey.repositoryId());
        assertThrows(WrongPassphraseException.class,
                () -> BackupRepository.open(fresh, Unlock.clusterKey(CLUSTER_KEY), OPTIONS));
    }

    @Test
    void initAndOpenRefuseTheWrongTarget() {
        ObjectStore store = newStore("states");
        assertFalse(BackupRepository.exists(store));
        assertThrows(RepositoryNotFoundException.class, () -> BackupRepository.open(store, Unlock.passphrase(PASS)));
        init(store);
        assertTrue(BackupRepository.exists(store));
        assertThrows(RepositoryExistsException.class, () -> BackupRepository.init(store, PASS, null, OPTIONS));
        BackupRepository repo = track(BackupRepository.open(store, Unlock.passphrase(PASS), OPTIONS));
        assertThrows(BackupNotFoundException.class, () -> repo.manifest("0123456789abcdef0123"));
        assertThrows(BackupNotFoundException.class, () -> repo.delete("../config"));
        assertThrows(InvalidTargetException.class, () -> BackupRepository.init(newStore("short"), "short".toCharArray(),
                null, OPTIONS));
    }

    @Test
    void restoreIntoASmallerTargetIsRefusedBeforeWriting() {
        BackupRepository repo = init(newStore("small"));
        MemoryVolume vol = MemoryVolume.mixed(4 << 20, 4096, 7);
        String id = repo.backup(full("v"), vol, Progress.NONE, Cancellation.NONE).info().id();
        MemoryVolume tooSmall = new MemoryVolume(2 << 20, 4096);
        assertThrows(RestoreTargetTooSmallException.class,
                () -> repo.restore(id, tooSmall, Progress.NONE, Cancellation.NONE));
        assertEquals(0, tooSmall.bytesWritten.get());
    }

    @Test
    void aFlippedByteIsReportedByVerifyAndStopsRestoreWithChunkAndRange() {
        ObjectStore store = newStore("corrupt");
        BackupRepository repo = init(store);
        MemoryVolume vol = MemoryVolume.mixed(12 << 20, 4096, 8);
        BackupManifest m = repo.backup(full("v"), vol, Progress.NONE, Cancellation.NONE);
        assertTrue(repo.verify(m.info().id(), false, Progress.NONE, Cancellation.NONE).ok());

        // flip one byte inside the first blob of the first pack
        ObjectInfo pack = store.list("data/").getFirst();
        byte[] bytes = store.get(pack.key());
        bytes[40] ^= 0x01;
        store.put(pack.key(), bytes);

        VerifyResult quick = repo.verify(m.info().id(), true, Progress.NONE, Cancellation.NONE);
        assertTrue(quick.ok(), "quick verify checks presence and sizes only");
        VerifyResult full = repo.verify(m.info().id(), false, Progress.NONE, Cancellation.NONE);
        assertEquals(1, full.problems().size(), full.toString());
        ChunkProblem p = full.problems().getFirst();
        assertEquals(PackWriter.idOfKey(pack.key()), p.packId());
        assertTrue(p.length() > 0 && p.volumeOffset() >= 0);
        assertTrue(p.reason().contains("tag"), p.reason());
        int ext = findExtent(m.extents(), p.chunkId());
        assertEquals(m.extents().volumeOffset(ext), p.volumeOffset());

        MemoryVolume out = new MemoryVolume(vol.data.length, 4096);
        ChunkCorruptedException e = assertThrows(ChunkCorruptedException.class,
                () -> repo.restore(m.info().id(), out, Progress.NONE, Cancellation.NONE));
        assertEquals(p.chunkId(), e.chunkId());
        assertEquals(p.volumeOffset(), e.volumeOffset());
        assertTrue(e.getMessage().contains(p.chunkId()), e.getMessage());
        assertFalse(out.flushed);
        // nothing at or after the bad chunk's range was written
        long maxWritten = out.bytesWritten.get();
        assertTrue(maxWritten <= e.volumeOffset(), maxWritten + " > " + e.volumeOffset());
    }

    static int findExtent(ExtentMap map, String chunkId) {
        for (int i = 0; i < map.extentCount(); i++) {
            if (chunkId.equals(map.extent(i).chunkId())) {
                return i;
            }
        }
        throw new AssertionError("no extent for " + chunkId);
    }

    @Test
    void aMissingPackIsReportedByQuickVerify() {
        ObjectStore store = newStore("missing");
        BackupRepository repo = init(store);
        MemoryVolume vol = MemoryVolume.mixed(12 << 20, 4096, 9);
        BackupManifest m = repo.backup(full("v"), vol, Progress.NONE, Cancellation.NONE);
        store.delete(store.list("data/").getFirst().key());
        VerifyResult quick = repo.verify(m.info().id(), true, Progress.NONE, Cancellation.NONE);
        assertFalse(quick.ok());
        assertTrue(quick.problems().getFirst().reason().contains("pack missing"), quick.toString());
        assertThrows(ChunkCorruptedException.class,
                () -> repo.restore(m.info().id(), new MemoryVolume(vol.data.length, 4096), Progress.NONE,
                        Cancellation.NONE));
    }

    @Test
    void cancelledBackupLeavesNoManifestAndTheRetryReusesItsChunks() {
        ObjectStore store = newStore("cancel");
        BackupRepository repo = init(store);
        MemoryVolume vol = MemoryVolume.mixed(24 << 20, 4096, 10);
        AtomicInteger calls = new AtomicInteger();
        Cancellation cancelMidway = () -> vol.bytesRead.get() > (12 << 20);
        assertThrows(BackupCancelledException.class,
                () -> repo.backup(full("v"), vol, Progress.NONE, cancelMidway));
        assertTrue(repo.list().isEmpty(), "no manifest after a cancel");
        assertFalse(store.list("data/").isEmpty(), "the packs written so far are kept");
        BackupManifest retry = repo.backup(full("v"), vol, (p, d, t) -> calls.incrementAndGet(), Cancellation.NONE);
        assertTrue(retry.info().stats().chunksReused() > 0, retry.info().stats().toString());
        assertArrayEquals(vol.data, restore(repo, retry.info().id(), vol.data.length));
        assertTrue(calls.get() > 0);
    }

    @Test
    void crashBeforeTheIndexIsWrittenThenRetryFindsThePacksByTheirTrailers() {
        String name = "crash";
        FaultyStore faulty = new FaultyStore(newStore(name));
        MemoryVolume vol = MemoryVolume.mixed(16 << 20, 4096, 11);
        try (BackupRepository repo = BackupRepository.init(faulty, PASS, null, OPTIONS)) {
            faulty.failPut = k -> k.startsWith("index/");
            assertThrows(TargetUnavailableException.class,
                    () -> repo.backup(full("v"), vol, Progress.NONE, Cancellation.NONE));
            assertTrue(repo.list().isEmpty(), "no manifest refers to unindexed chunks");
        }
        ObjectStore restarted = track(reopenStore(name));
        assertFalse(restarted.list("data/").isEmpty());
        assertTrue(restarted.list("index/").isEmpty());
        BackupRepository repo = track(BackupRepository.open(restarted, Unlock.passphrase(PASS), OPTIONS));
        long before = storedBytes(restarted);
        BackupManifest m = repo.backup(full("v"), vol, Progress.NONE, Cancellation.NONE);
        assertEquals(0, m.info().stats().chunksNew(), "every chunk of the crashed run is re-used");
        assertTrue(storedBytes(restarted) - before < 256 << 10, "only index and manifest were added");
        assertArrayEquals(vol.data, restore(repo, m.info().id(), vol.data.length));
        assertFalse(restarted.list("index/").isEmpty());
    }

    @Test
    void failedManifestWriteLeavesARepositoryThatPruneCleans() {
        FaultyStore faulty = new FaultyStore(newStore("nomanifest"));
        BackupRepository repo = track(BackupRepository.init(faulty, PASS, null, OPTIONS));
        MemoryVolume vol = MemoryVolume.mixed(8 << 20, 4096, 12);
        faulty.failPut = k -> k.startsWith("manifests/");
        assertThrows(TargetUnavailableException.class,
                () -> repo.backup(full("v"), vol, Progress.NONE, Cancellation.NONE));
        faulty.failPut = k -> false;
        assertTrue(repo.list().isEmpty());
        PruneResult r = repo.prune(Progress.NONE, Cancellation.NONE);
        assertEquals(0, r.chunksLive());
        assertTrue(faulty.list("data/").isEmpty(), "prune removed the orphaned packs");
        assertTrue(faulty.list("index/").isEmpty());
    }

    @Test
    void deleteThenPruneReclaimsSpaceAndKeepsTheOtherBackupsWhole() {
        ObjectStore store = newStore("prune");
        BackupRepository repo = init(store);
        MemoryVolume a = MemoryVolume.mixed(16 << 20, 4096, 13);
        MemoryVolume b = MemoryVolume.mixed(16 << 20, 4096, 14);
        BackupManifest ma = repo.backup(full("a"), a, Progress.NONE, Cancellation.NONE);
        byte[] aFirst = a.data.clone();
        a.toRead = a.changeRandomBlocks(0.05, 15);
        BackupManifest ma2 = repo.backup(incremental("a", ma.info().id()), a, Progress.NONE, Cancellation.NONE);
        BackupManifest mb = repo.backup(full("b"), b, Progress.NONE, Cancellation.NONE);
        long before = storedBytes(store);

        repo.delete(ma.info().id()); // the parent: the incremental must stay restorable
        repo.delete(mb.info().id());
        assertThrows(BackupNotFoundException.class, () -> repo.delete(mb.info().id()));
        PruneResult r = repo.prune(Progress.NONE, Cancellation.NONE);
        long after = storedBytes(store);
        assertTrue(r.chunksRemoved() > 0 && r.packsDeleted() > 0, r.toString());
        assertTrue(after < before - (4 << 20), before + " -> " + after);
        assertArrayEquals(a.data, restore(repo, ma2.info().id(), a.data.length));
        assertTrue(repo.verify(ma2.info().id(), false, Progress.NONE, Cancellation.NONE).ok());
        // a fresh handle sees the consolidated index
        BackupRepository again = track(BackupRepository.open(reopenStore("prune"), Unlock.passphrase(PASS),
                OPTIONS));
        assertTrue(again.verify(ma2.info().id(), false, Progress.NONE, Cancellation.NONE).ok());
        assertFalse(java.util.Arrays.equals(aFirst, a.data));

        repo.delete(ma2.info().id());
        repo.prune(Progress.NONE, Cancellation.NONE);
        assertTrue(store.list("data/").isEmpty(), "nothing referenced, nothing kept");
    }

    @Test
    void pruneIsRefusedWhileABackupHoldsItsLock() throws Exception {
        ObjectStore store = newStore("lock");
        BackupRepository repo = init(store);
        BackupRepository other = track(BackupRepository.open(reopenStore("lock"), Unlock.passphrase(PASS), OPTIONS));
        CountDownLatch release = new CountDownLatch(1);
        MemoryVolume vol = MemoryVolume.mixed(4 << 20, 4096, 16);
        BackupSource slow = new BackupSource() {
            @Override
            public long sizeBytes() {
                return vol.sizeBytes();
            }

            @Override
            public int blockSize() {
                return 4096;
            }

            @Override
            public RoaringBitmap blocksToRead() {
                return vol.blocksToRead();
            }

            @Override
            public void read(long offset, java.nio.ByteBuffer dst) throws java.io.IOException {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
                vol.read(offset, dst);
            }
        };
        CompletableFuture<BackupManifest> running = CompletableFuture.supplyAsync(
                () -> repo.backup(full("v"), slow, Progress.NONE, Cancellation.NONE));
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !store.list("locks/").isEmpty());
        assertThrows(RepositoryLockedException.class, () -> other.prune(Progress.NONE, Cancellation.NONE));
        release.countDown();
        BackupManifest m = running.get(60, TimeUnit.SECONDS);
        assertTrue(store.list("locks/").isEmpty(), "the backup released its lock");
        other.prune(Progress.NONE, Cancellation.NONE);
        assertArrayEquals(vol.data, restore(other, m.info().id(), vol.data.length));
    }

    @Test
    void copyTransfersOnlyMissingChunks() {
        BackupRepository src = init(newStore("copy-src"));
        BackupRepository dst = track(BackupRepository.init(newStore("copy-dst"), "another passphrase".toCharArray(),
                null, OPTIONS));
        MemoryVolume vol = MemoryVolume.mixed(12 << 20, 4096, 17);
        BackupManifest full = src.backup(full("v"), vol, Progress.NONE, Cancellation.NONE);
        vol.toRead = vol.changeRandomBlocks(0.02, 18);
        BackupManifest inc = src.backup(incremental("v", full.info().id()), vol, Progress.NONE, Cancellation.NONE);

        CopyResult first = src.copyTo(full.info().id(), dst, Progress.NONE, Cancellation.NONE);
        assertEquals(full.info().id(), first.destinationBackupId());
        assertTrue(first.chunksCopied() > 0);
        CopyResult second = src.copyTo(inc.info().id(), dst, Progress.NONE, Cancellation.NONE);
        assertTrue(second.bytesCopied() <= 0.03 * vol.data.length, second.toString());
        assertTrue(second.chunksAlreadyPresent() > 0);
        CopyResult again = src.copyTo(inc.info().id(), dst, Progress.NONE, Cancellation.NONE);
        assertEquals(0, again.chunksCopied());
        assertArrayEquals(vol.data, restore(dst, inc.info().id(), vol.data.length));
        assertNotNull(dst.info(inc.info().id()));
        assertTrue(dst.verify(inc.info().id(), false, Progress.NONE, Cancellation.NONE).ok());
    }

    @Test
    void cancelledRestoreStops() {
        BackupRepository repo = init(newStore("cancel-restore"));
        MemoryVolume vol = MemoryVolume.mixed(16 << 20, 4096, 19);
        String id = repo.backup(full("v"), vol, Progress.NONE, Cancellation.NONE).info().id();
        MemoryVolume out = new MemoryVolume(vol.data.length, 4096);
        assertThrows(BackupCancelledException.class,
                () -> repo.restore(id, out, Progress.NONE, () -> out.bytesWritten.get() > 0));
        assertFalse(out.flushed);
    }
}
