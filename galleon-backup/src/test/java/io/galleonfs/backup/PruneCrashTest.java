package io.galleonfs.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A prune killed at every single store write or delete it makes (the process dies: that operation and every later
 * one fail, nothing is cleaned up): each time, a new process finds every remaining backup restorable byte for byte,
 * and its prune finishes the job, leaving exactly one stored copy of each referenced chunk and nothing else.
 */
class PruneCrashTest {
    private static final char[] PASS = "prune crash passphrase".toCharArray();
    // small packs and "rewrite any pack with a dead byte" so one prune deletes, rewrites and consolidates a lot
    private static final RepositoryOptions OPTIONS = RepositoryOptions.defaults().withPackTargetBytes(1 << 20)
            .withThreads(2).withRepackUnusedRatio(0);

    @TempDir
    Path dir;

    private final Map<String, byte[]> expected = new LinkedHashMap<>();

    /** Kills the "process" at its {@code crashAt}-th put/delete of a repository object (locks excluded). */
    private static final class CrashingStore implements ObjectStore {
        private final ObjectStore inner;
        private final int crashAt;
        final AtomicInteger writes = new AtomicInteger();
        private volatile boolean dead;

        CrashingStore(ObjectStore inner, int crashAt) {
            this.inner = inner;
            this.crashAt = crashAt;
        }

        private void write(String key) {
            if (dead) {
                throw new TargetUnavailableException("process already killed: " + key);
            }
            if (!key.startsWith(RepositoryLocks.PREFIX) && writes.getAndIncrement() == crashAt) {
                dead = true;
                throw new TargetUnavailableException("killed before " + key);
            }
        }

        @Override
        public void put(String key, byte[] data) {
            write(key);
            inner.put(key, data);
        }

        @Override
        public void put(String key, byte[] data, int off, int len) {
            write(key);
            inner.put(key, data, off, len);
        }

        @Override
        public void delete(String key) {
            write(key);
            inner.delete(key);
        }

        @Override
        public byte[] get(String key) {
            return inner.get(key);
        }

        @Override
        public byte[] getRange(String key, long offset, int length) {
            return inner.getRange(key, offset, length);
        }

        @Override
        public boolean exists(String key) {
            return inner.exists(key);
        }

        @Override
        public long size(String key) {
            return inner.size(key);
        }

        @Override
        public List<ObjectInfo> list(String prefix) {
            return inner.list(prefix);
        }

        @Override
        public String describe() {
            return inner.describe();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private static ObjectStore store(Path p) {
        return ObjectStores.open(TargetSpec.directory(p));
    }

    private static BackupRequest full(String volume) {
        return new BackupRequest(volume, volume, BackupStrategy.FULL, null, "snap", Map.of());
    }

    private static BackupRequest incremental(String parent) {
        return new BackupRequest("a", "a", BackupStrategy.INCREMENTAL, parent, "snap", Map.of());
    }

    @BeforeEach
    void buildTemplate() {
        try (BackupRepository repo = BackupRepository.init(store(dir.resolve("template")), PASS, null, OPTIONS)) {
            MemoryVolume a = MemoryVolume.mixed(6 << 20, 4096, 31);
            MemoryVolume b = MemoryVolume.mixed(6 << 20, 4096, 32);
            MemoryVolume c = MemoryVolume.mixed(3 << 20, 4096, 33);
            String a1 = repo.backup(full("a"), a, Progress.NONE, Cancellation.NONE).info().id();
            expected.put(a1, a.data.clone());
            a.toRead = a.changeRandomBlocks(0.1, 34);
            String a2 = repo.backup(incremental(a1), a, Progress.NONE, Cancellation.NONE).info().id();
            a.toRead = a.changeRandomBlocks(0.1, 35);
            String a3 = repo.backup(incremental(a2), a, Progress.NONE, Cancellation.NONE).info().id();
            expected.put(a3, a.data.clone());
            String b1 = repo.backup(full("b"), b, Progress.NONE, Cancellation.NONE).info().id();
            String c1 = repo.backup(full("c"), c, Progress.NONE, Cancellation.NONE).info().id();
            expected.put(c1, c.data.clone());
            // a2's pack of 4 KiB chunks: those a3 overwrote again die, the others stay live through a3 (rewrite);
            // b1's packs die whole (delete)
            repo.delete(a2);
            repo.delete(b1);
        }
    }

    private Path copyOfTemplate(String name) {
        Path src = dir.resolve("template");
        Path dst = dir.resolve(name);
        try (Stream<Path> files = Files.walk(src)) {
            for (Path p : files.toList()) {
                Path to = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dst;
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> files = Files.walk(p)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aPruneKilledAtAnyWriteOrDeleteLeavesEveryBackupRestorableAndTheNextPruneFinishesTheJob() {
        int writes;
        Path clean = copyOfTemplate("clean");
        try (CrashingStore counting = new CrashingStore(store(clean), Integer.MAX_VALUE);
             BackupRepository repo = BackupRepository.open(counting, Unlock.passphrase(PASS), OPTIONS)) {
            PruneResult r = repo.prune(Progress.NONE, Cancellation.NONE);
            assertTrue(r.packsDeleted() > 0 && r.packsRewritten() > 0 && r.chunksRemoved() > 0, r.toString());
            writes = counting.writes.get();
        }
        assertFinished(clean, "without a crash");
        assertTrue(writes >= 5, "a prune that writes " + writes + " objects tests little");

        for (int k = 0; k < writes; k++) {
            Path p = copyOfTemplate("crash-" + k);
            try (CrashingStore crashing = new CrashingStore(store(p), k);
                 BackupRepository repo = BackupRepository.open(crashing, Unlock.passphrase(PASS), OPTIONS)) {
                assertThrows(TargetUnavailableException.class, () -> repo.prune(Progress.NONE, Cancellation.NONE),
                        "crash point " + k);
            }
            // a new process: every backup restores before any repair, then its prune completes the job
            try (ObjectStore s = store(p);
                 BackupRepository repo = BackupRepository.open(s, Unlock.passphrase(PASS), OPTIONS)) {
                assertAllRestore(repo, "after a crash at write " + k);
                repo.prune(Progress.NONE, Cancellation.NONE);
            }
            assertFinished(p, "after a crash at write " + k);
            deleteTree(p);
        }
    }

    private void assertAllRestore(BackupRepository repo, String when) {
        assertEquals(expected.keySet(), new HashSet<>(repo.list().stream().map(BackupInfo::id).toList()), when);
        for (Map.Entry<String, byte[]> e : expected.entrySet()) {
            MemoryVolume out = new MemoryVolume(e.getValue().length, 4096);
            repo.restore(e.getKey(), out, Progress.NONE, Cancellation.NONE);
            assertArrayEquals(e.getValue(), out.data, when + ": backup " + e.getKey());
        }
    }

    /**
     * The repository holds every referenced chunk exactly once and nothing else: no pack with a dead or duplicate
     * chunk, no stray pack, a further prune has nothing to do.
     */
    private void assertFinished(Path p, String when) {
        try (ObjectStore s = store(p);
             BackupRepository repo = BackupRepository.open(s, Unlock.passphrase(PASS), OPTIONS)) {
            assertAllRestore(repo, when + ", then a prune");
            Set<ByteBuffer> live = new HashSet<>();
            for (String id : expected.keySet()) {
                ExtentMap m = repo.manifest(id).extents();
                for (int ref = 0; ref < m.chunkCount(); ref++) {
                    live.add(ByteBuffer.wrap(m.chunkId(ref)));
                }
            }
            List<ByteBuffer> stored = new ArrayList<>();
            for (ObjectInfo o : s.list("data/")) {
                for (PackEntry e : PackReader.readTrailer(s, o.key(), o.size(), repo.keys())) {
                    stored.add(ByteBuffer.wrap(e.id()));
                }
            }
            assertEquals(live.size(), stored.size(), when + ": each referenced chunk is stored once, nothing else is stored");
            assertEquals(live, new HashSet<>(stored), when);
            assertTrue(s.list(RepositoryLocks.PREFIX).isEmpty(), when + ": no lock left");
            PruneResult again = repo.prune(Progress.NONE, Cancellation.NONE);
            assertEquals(0, again.chunksRemoved() + again.packsDeleted() + again.packsRewritten(), when + ": " + again);
        }
    }
}
