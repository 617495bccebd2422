package io.galleonfs.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/**
 * The backup pipeline (reads and hashing on the workers, packing in volume order on the calling thread): results
 * that finish out of order are packed in order, a read failure fails the backup with that one reason and leaves no
 * manifest (the next backup and prune work), and the volume bytes read ahead of the packing stay bounded.
 */
class BackupPipelineTest {
    private static final int MIB = 1 << 20;
    private static final RepositoryOptions OPTIONS = RepositoryOptions.defaults().withPackTargetBytes(4 << 20).withThreads(2);

    @TempDir
    Path dir;
    private BackupRepository repo;

    @AfterEach
    void close() {
        if (repo != null) {
            repo.close();
        }
    }

    private BackupRepository repo() {
        repo = BackupRepository.init(ObjectStores.open(TargetSpec.directory(dir.resolve("repo"))), "pipeline-passphrase".toCharArray(),
                null, OPTIONS);
        return repo;
    }

    private static BackupRequest full() {
        return new BackupRequest("vol", "vol", BackupStrategy.FULL, null, "snap", Map.of());
    }

    /** A source that hands each read to {@code hook} before reading {@code vol}. */
    private static BackupSource source(MemoryVolume vol, ReadHook hook) {
        return new BackupSource() {
            @Override
            public long sizeBytes() {
                return vol.sizeBytes();
            }

            @Override
            public int blockSize() {
                return vol.blockSize();
            }

            @Override
            public RoaringBitmap blocksToRead() {
                return vol.blocksToRead();
            }

            @Override
            public void read(long offset, ByteBuffer dst) throws IOException {
                hook.before(offset, dst.remaining());
                vol.read(offset, dst);
            }
        };
    }

    @FunctionalInterface
    private interface ReadHook {
        void before(long offset, int length) throws IOException;
    }

    private static byte[] restore(BackupRepository repo, String id, int size) {
        MemoryVolume out = new MemoryVolume(size, 4096);
        repo.restore(id, out, Progress.NONE, Cancellation.NONE);
        return out.data;
    }

    @Test
    void batchesFinishingOutOfOrderArePackedInVolumeOrder() {
        BackupRepository repo = repo();
        MemoryVolume vol = MemoryVolume.mixed(16 * MIB, 4096, 3);
        CountDownLatch secondRead = new CountDownLatch(1);
        // the first window's read waits until the second window was read: two workers, so the second batch ends first
        BackupManifest m = repo.backup(full(), source(vol, (offset, length) -> {
            try {
                if (offset == 0) {
                    assertTrue(secondRead.await(30, TimeUnit.SECONDS), "the second batch was read while the first waited");
                } else if (offset == MIB) {
                    secondRead.countDown();
                }
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
            }
        }), Progress.NONE, Cancellation.NONE);

        assertArrayEquals(vol.data, restore(repo, m.info().id(), vol.data.length));
        assertEquals(vol.toRead.getCardinality() * 4096L, m.info().stats().bytesRead());
    }

    @Test
    void aFailedReadFailsTheBackupWithItsReasonAndLeavesTheRepositoryConsistent() {
        BackupRepository repo = repo();
        MemoryVolume vol = MemoryVolume.mixed(24 * MIB, 4096, 4);
        AtomicInteger readsAfterFailure = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        BackupException e = assertThrows(BackupException.class, () -> repo.backup(full(), source(vol, (offset, length) -> {
            if (offset == 9L * MIB) {
                failed.incrementAndGet();
                throw new IOException("injected media error");
            }
            if (failed.get() > 0) {
                readsAfterFailure.incrementAndGet();
            }
        }), Progress.NONE, Cancellation.NONE));

        assertEquals("cannot read volume vol at offset " + 9L * MIB + ": injected media error", e.getMessage());
        assertEquals(1, failed.get());
        int afterReturn = readsAfterFailure.get();
        assertTrue(afterReturn <= BackupRun.window(OPTIONS), "reads started after the failure: " + afterReturn);
        assertTrue(repo.list().isEmpty(), "no manifest for a failed backup");

        BackupManifest retry = repo.backup(full(), vol, Progress.NONE, Cancellation.NONE);
        assertArrayEquals(vol.data, restore(repo, retry.info().id(), vol.data.length));
        repo.prune(Progress.NONE, Cancellation.NONE);
        assertArrayEquals(vol.data, restore(repo, retry.info().id(), vol.data.length));
        assertEquals(afterReturn, readsAfterFailure.get(), "no worker read the source after the backup returned");
    }

    @Test
    void bytesReadAheadOfThePackingStayBounded() {
        BackupRepository repo = repo();
        MemoryVolume vol = MemoryVolume.mixed(64 * MIB, 4096, 5);
        AtomicLong read = new AtomicLong();
        AtomicLong packed = new AtomicLong();
        AtomicLong worstAhead = new AtomicLong();
        Progress progress = (phase, done, total) -> {
            if (phase == Phase.READING) {
                packed.set(done);
            }
        };
        BackupManifest m = repo.backup(full(), source(vol, (offset, length) -> {
            long ahead = read.addAndGet(length) - packed.get();
            worstAhead.accumulateAndGet(ahead, Math::max);
        }), progress, Cancellation.NONE);

        // the batches in flight plus the one the calling thread is packing
        long bound = (long) (BackupRun.window(OPTIONS) + 1) * BackupRun.BATCH_BYTES;
        assertTrue(worstAhead.get() <= bound, "read " + worstAhead.get() + " bytes ahead of the packing, bound " + bound);
        assertTrue(worstAhead.get() > BackupRun.BATCH_BYTES, "reads ran ahead of the packing at all");
        assertArrayEquals(vol.data, restore(repo, m.info().id(), vol.data.length));
    }

    @Test
    void anIncrementalsScatteredBlocksAreReadInBatchesAndRestoreExactly() {
        BackupRepository repo = repo();
        MemoryVolume vol = MemoryVolume.mixed(16 * MIB, 4096, 6);
        BackupManifest first = repo.backup(full(), vol, Progress.NONE, Cancellation.NONE);
        vol.toRead = vol.changeRandomBlocks(0.05, 7);
        AtomicInteger reads = new AtomicInteger();
        BackupManifest incr = repo.backup(new BackupRequest("vol", "vol", BackupStrategy.INCREMENTAL, first.info().id(), "snap-2",
                Map.of()), source(vol, (offset, length) -> reads.incrementAndGet()), Progress.NONE, Cancellation.NONE);

        assertArrayEquals(vol.data, restore(repo, incr.info().id(), vol.data.length));
        assertEquals(vol.toRead.getCardinality() * 4096L, incr.info().stats().bytesRead());
        assertFalse(reads.get() > vol.toRead.getCardinality(), "one read per run of changed blocks at most");
    }

    @Test
    void packUploadsOverlapUpToTheLimitAndAFailedOneFailsTheBackup() {
        FaultyStore store = new FaultyStore(ObjectStores.open(TargetSpec.directory(dir.resolve("uploads"))));
        repo = BackupRepository.init(store, "pipeline-passphrase".toCharArray(), null,
                RepositoryOptions.defaults().withPackTargetBytes(MIB).withThreads(2).withUploads(2));
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch two = new CountDownLatch(2);
        store.beforePut = key -> {
            if (!key.startsWith("data/")) {
                return;
            }
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            two.countDown();
            try {
                // the first two uploads wait for each other: they only meet if both are in flight at once
                assertTrue(two.await(30, TimeUnit.SECONDS), "a second upload started while the first was in flight");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                running.decrementAndGet();
            }
        };
        MemoryVolume vol = MemoryVolume.mixed(16 * MIB, 4096, 8);
        BackupManifest m = repo.backup(full(), vol, Progress.NONE, Cancellation.NONE);
        assertEquals(2, most.get(), "uploads in flight at most");
        assertTrue(m.info().stats().packsWritten() >= 4, "packs: " + m.info().stats().packsWritten());
        assertArrayEquals(vol.data, restore(repo, m.info().id(), vol.data.length));

        // one failed pack upload fails the backup with its reason; no manifest, and the retry stores what is missing
        store.beforePut = key -> { };
        AtomicInteger packPuts = new AtomicInteger();
        store.failPut = key -> key.startsWith("data/") && packPuts.incrementAndGet() == 3;
        MemoryVolume other = MemoryVolume.mixed(16 * MIB, 4096, 9);
        BackupException e = assertThrows(BackupException.class, () -> repo.backup(full(), other, Progress.NONE, Cancellation.NONE));
        assertTrue(e.getMessage().contains("injected failure writing data/"), e.getMessage());
        assertEquals(1, repo.list().size(), "no manifest for the failed backup");
        store.failPut = key -> false;
        BackupManifest retry = repo.backup(full(), other, Progress.NONE, Cancellation.NONE);
        assertArrayEquals(other.data, restore(repo, retry.info().id(), other.data.length));
    }
}
