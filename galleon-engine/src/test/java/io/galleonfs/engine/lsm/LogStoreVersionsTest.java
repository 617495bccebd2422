package io.galleonfs.engine.lsm;

import static io.galleonfs.engine.lsm.LsmTestSupport.config;
import static io.galleonfs.engine.lsm.LsmTestSupport.content;
import static io.galleonfs.engine.lsm.LsmTestSupport.read;
import static io.galleonfs.engine.lsm.LsmTestSupport.readSnapshot;
import static io.galleonfs.engine.lsm.LsmTestSupport.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.EngineException;
import io.galleonfs.engine.NoSuchSnapshotException;
import io.galleonfs.engine.SnapshotExistsException;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/** Snapshots, restore and clones as index versions of the log store (issue 18, phase 2). */
class LogStoreVersionsTest {
    private static final UUID VOL = UUID.fromString("00000000-0000-4000-8000-000000000020");
    private static final UUID CLONE = UUID.fromString("00000000-0000-4000-8000-000000000021");
    private static final UUID CLONE2 = UUID.fromString("00000000-0000-4000-8000-000000000022");

    @TempDir
    Path dir;

    private static void write(LogStore store, UUID volume, long block, long version) throws IOException {
        store.write(volume, block, content(volume, block, version), WriteConcern.ACKNOWLEDGED);
    }

    private static void assertBlock(byte[] expected, byte[] actual, String what) {
        assertArrayEquals(expected, actual, what);
    }

    @Test
    void aNameNoSnapshotCanHaveIsNoSuchSnapshotForLookupsAndInvalidForCreate() throws IOException {
        try (LogStore store = LogStore.open(config(dir))) {
            write(store, VOL, 0, 1);
            String tooLong = "z".repeat(4000);
            for (String name : new String[] {tooLong, " "}) {
                // ApiFuzzTest found a restore of a 4,000-byte name answered 500 (IllegalArgumentException)
                assertThrows(NoSuchSnapshotException.class, () -> store.restore(VOL, name));
                assertThrows(NoSuchSnapshotException.class, () -> store.deleteSnapshot(VOL, name));
                assertThrows(NoSuchSnapshotException.class, () -> store.cloneVolume(VOL, name, CLONE));
                assertThrows(IllegalArgumentException.class, () -> store.createSnapshot(VOL, name));
            }
            NoSuchSnapshotException e = assertThrows(NoSuchSnapshotException.class, () -> store.restore(VOL, tooLong));
            assertTrue(e.getMessage().length() < 200, "the message shows a prefix of the name: " + e.getMessage().length());
            assertBlock(content(VOL, 0, 1).array(), read(store, VOL, 0), "nothing changed");
        }
    }

    @Test
    void snapshotReadRestoreAndDeleteRoundTrip() throws IOException {
        try (LogStore store = LogStore.open(config(dir))) {
            for (long b = 0; b < 10; b++) {
                write(store, VOL, b, 1);
            }
            LogSnapshot a = store.createSnapshot(VOL, "a");
            assertEquals("a", a.name());
            assertTrue(a.createdAtMillis() > 0);
            assertEquals(0, a.blocks(), "a snapshot starts empty: O(1)");
            write(store, VOL, 2, 2);          // overwrite
            write(store, VOL, 20, 2);         // new block (zeros in a)
            store.trim(VOL, 5, 2, WriteConcern.DURABLE); // hides 5, 6 in live only
            store.createSnapshot(VOL, "b");
            write(store, VOL, 2, 3);
            write(store, VOL, 7, 3);
            assertThrows(SnapshotExistsException.class, () -> store.createSnapshot(VOL, "a"));
            assertThrows(IllegalArgumentException.class, () -> store.createSnapshot(VOL, " "));
            assertThrows(IllegalArgumentException.class, () -> store.createSnapshot(VOL, "n".repeat(256)));

            checkABAndLive(store);
            assertEquals(List.of("a", "b"), store.snapshots(VOL).stream().map(LogSnapshot::name).toList());
            assertEquals(RoaringBitmap.bitmapOf(0, 1, 2, 3, 4, 7, 8, 9, 20), store.allocatedBlocks(VOL));

            // Restore a: live reads as a; a and b stay readable.
            store.restore(VOL, "a");
            for (long b = 0; b < 21; b++) {
                assertBlock(b < 10 ? content(VOL, b, 1).array() : zeros(), read(store, VOL, b), "live = a, block " + b);
            }
            assertBlock(content(VOL, 2, 2).array(), readSnapshot(store, VOL, "b", 2), "b after restore");
            assertBlock(zeros(), readSnapshot(store, VOL, "b", 5), "b after restore");
            assertBlock(content(VOL, 20, 2).array(), readSnapshot(store, VOL, "b", 20), "b after restore");
            write(store, VOL, 3, 4);
            assertBlock(content(VOL, 3, 1).array(), readSnapshot(store, VOL, "a", 3), "a unchanged by later writes");

            // Delete a: b and live stay intact.
            store.deleteSnapshot(VOL, "a");
            assertThrows(NoSuchSnapshotException.class, () -> readSnapshot(store, VOL, "a", 0));
            assertThrows(NoSuchSnapshotException.class, () -> store.deleteSnapshot(VOL, "a"));
            assertThrows(NoSuchSnapshotException.class, () -> store.restore(VOL, "a"));
            assertBlock(content(VOL, 2, 2).array(), readSnapshot(store, VOL, "b", 2), "b after deleting a");
            assertBlock(content(VOL, 3, 4).array(), read(store, VOL, 3), "live after deleting a");
            // Deleting the last snapshot leaves exactly the live records referenced.
            store.deleteSnapshot(VOL, "b");
            assertEquals(store.allocatedBlocks(VOL).getCardinality(), store.storedBlocks(VOL));
            assertEquals(store.storedBlocks(VOL) * LogFormat.dataRecordLength(LsmTestSupport.BS),
                    store.stats().liveBytes(), "nothing but live is referenced");
        }
    }

    /** a: blocks 0..9 v1. b: 2 v2, 5 and 6 trimmed, 20 v2. live: b + 2 v3, 7 v3. */
    private static void checkABAndLive(LogStore store) throws IOException {
        for (long b = 0; b < 21; b++) {
            byte[] inA = b < 10 ? content(VOL, b, 1).array() : zeros();
            byte[] inB = b == 2 || b == 20 ? content(VOL, b, 2).array() : b == 5 || b == 6 ? zeros() : inA;
            byte[] live = b == 2 || b == 7 ? content(VOL, b, 3).array() : inB;
            assertBlock(inA, readSnapshot(store, VOL, "a", b), "a, block " + b);
            assertBlock(inB, readSnapshot(store, VOL, "b", b), "b, block " + b);
            assertBlock(live, read(store, VOL, b), "live, block " + b);
        }
    }

    @Test
    void changedBlocksAreSupersetsFromTheMapsAlone() throws IOException {
        try (LogStore store = LogStore.open(config(dir))) {
            for (long b = 0; b < 10; b++) {
                write(store, VOL, b, 1);
            }
            store.createSnapshot(VOL, "a");
            write(store, VOL, 3, 2);
            write(store, VOL, 20, 2);
            store.trim(VOL, 5, 2, WriteConcern.DURABLE);
            store.createSnapshot(VOL, "b");
            write(store, VOL, 40, 3);

            assertEquals(RoaringBitmap.bitmapOf(3, 5, 6, 20), store.changedBlocks(VOL, "a", "b"));
            assertEquals(RoaringBitmap.bitmapOf(3, 5, 6, 20), store.changedBlocks(VOL, "b", "a"), "symmetric");
            assertEquals(RoaringBitmap.bitmapOf(0, 1, 2, 3, 4, 7, 8, 9, 20), store.changedBlocks(VOL, null, "b"));
            assertEquals(RoaringBitmap.bitmapOf(40), store.changedBlocks(VOL, "b", null), "b -> live");
            assertTrue(store.changedBlocks(VOL, "a", "a").isEmpty());
            assertThrows(NoSuchSnapshotException.class, () -> store.changedBlocks(VOL, "nope", "b"));
            assertThrows(NoSuchSnapshotException.class, () -> store.changedBlocks(VOL, "a", "nope"));
            // Deleting the snapshot between two keeps the answer a superset: its entries merge into the older one.
            store.createSnapshot(VOL, "c");
            write(store, VOL, 41, 4);
            store.deleteSnapshot(VOL, "b");
            RoaringBitmap ac = store.changedBlocks(VOL, "a", "c");
            assertTrue(ac.contains(RoaringBitmap.bitmapOf(3, 5, 6, 20, 40)), ac.toString());
        }
    }

    @Test
    void clonesShareRecordsAndStayIndependent() throws IOException {
        try (LogStore store = LogStore.open(config(dir))) {
            for (long b = 0; b < 10; b++) {
                write(store, VOL, b, 1);
            }
            store.createSnapshot(VOL, "s");
            write(store, VOL, 0, 2);
            long recordsBefore = store.stats().records();
            store.cloneVolume(VOL, "s", CLONE);
            store.cloneVolume(VOL, null, CLONE2);
            assertEquals(recordsBefore + 2, store.stats().records(), "a clone is one record, no data is copied");
            assertEquals(store.locationOf(VOL, 5), store.locationOf(CLONE, 5), "records are shared");
            assertThrows(EngineException.class, () -> store.cloneVolume(VOL, null, CLONE));
            assertThrows(NoSuchSnapshotException.class, () -> store.cloneVolume(VOL, "missing", UUID.randomUUID()));
            assertTrue(store.snapshots(CLONE).isEmpty());

            write(store, CLONE, 1, 3);
            write(store, VOL, 2, 3);
            write(store, CLONE2, 3, 3);
            store.trim(VOL, 4, 1, WriteConcern.DURABLE);
            for (long b = 0; b < 10; b++) {
                byte[] base = content(VOL, b, 1).array();
                assertBlock(b == 1 ? content(CLONE, 1, 3).array() : base, read(store, CLONE, b), "clone of s, " + b);
                assertBlock(b == 0 ? content(VOL, 0, 2).array() : b == 3 ? content(CLONE2, 3, 3).array() : base,
                        read(store, CLONE2, b), "clone of live, " + b);
                assertBlock(b == 0 ? content(VOL, 0, 2).array() : b == 2 ? content(VOL, 2, 3).array()
                        : b == 4 ? zeros() : base, read(store, VOL, b), "source, " + b);
            }
            // The source goes away entirely; the clones keep their shared records.
            store.dropVolume(VOL, WriteConcern.DURABLE);
            store.crash();
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertBlock(content(VOL, 5, 1).array(), read(store, CLONE, 5), "clone after the source was dropped");
            assertBlock(content(VOL, 0, 2).array(), read(store, CLONE2, 0), "clone after the source was dropped");
            assertBlock(zeros(), read(store, VOL, 5), "dropped source");
        }
    }

    @Test
    void recoveryReplaysVersionOperationsAfterTheCheckpoint() throws IOException {
        try (LogStore store = LogStore.open(config(dir))) {
            for (long b = 0; b < 10; b++) {
                write(store, VOL, b, 1);
            }
            store.createSnapshot(VOL, "a");
            write(store, VOL, 2, 2);
            store.checkpoint(); // a's map goes into a version file
            write(store, VOL, 20, 2);
            store.trim(VOL, 5, 2, WriteConcern.ACKNOWLEDGED);
            store.createSnapshot(VOL, "b");
            write(store, VOL, 2, 3);
            write(store, VOL, 7, 3);
            store.createSnapshot(VOL, "gone");
            write(store, VOL, 8, 5);
            store.deleteSnapshot(VOL, "gone");
            store.cloneVolume(VOL, "b", CLONE);
            store.createSnapshot(VOL, "r");
            store.restore(VOL, "r");
            store.crash();
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertEquals(11, store.stats().replayedRecords(), "5 writes/trims and 6 version records after the checkpoint");
            assertEquals(List.of("a", "b", "r"), store.snapshots(VOL).stream().map(LogSnapshot::name).toList());
            for (long b = 0; b < 21; b++) {
                byte[] inA = b < 10 ? content(VOL, b, 1).array() : zeros();
                byte[] inB = b == 2 || b == 20 ? content(VOL, b, 2).array() : b == 5 || b == 6 ? zeros() : inA;
                byte[] live = b == 2 || b == 7 ? content(VOL, b, 3).array() : b == 8 ? content(VOL, 8, 5).array() : inB;
                assertBlock(inA, readSnapshot(store, VOL, "a", b), "a, block " + b);
                assertBlock(inB, readSnapshot(store, VOL, "b", b), "b, block " + b);
                assertBlock(live, read(store, VOL, b), "live, block " + b);
                assertBlock(live, readSnapshot(store, VOL, "r", b), "r, block " + b);
                assertBlock(inB, read(store, CLONE, b), "clone of b, block " + b);
            }
            store.checkpoint();
            store.crash();
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertEquals(0, store.stats().replayedRecords());
            assertBlock(zeros(), readSnapshot(store, VOL, "b", 5), "from the checkpoint's version files");
            assertBlock(content(VOL, 2, 2).array(), readSnapshot(store, VOL, "b", 2), "from the checkpoint's version files");
            assertBlock(content(VOL, 2, 1).array(), readSnapshot(store, VOL, "a", 2), "from the checkpoint's version files");
        }
    }

    @Test
    void aTornVersionRecordEndsTheLogAndTheLogContinues() throws IOException {
        long end;
        Path head;
        try (LogStore store = LogStore.open(config(dir))) {
            for (long b = 0; b < 4; b++) {
                store.write(VOL, b, content(VOL, b, 1), WriteConcern.DURABLE);
            }
            end = store.stats().records();
            head = store.segmentPath(LogFormat.segmentOf(store.locationOf(VOL, 0))); // not the one prepared next
            store.createSnapshot(VOL, "torn-away");
            store.crash();
        }
        assertEquals(4, end);
        long snapshotRecord = LogFormat.SEGMENT_HEADER + 4L * LogFormat.dataRecordLength(LsmTestSupport.BS);
        try (FileChannel ch = FileChannel.open(head, StandardOpenOption.WRITE)) {
            ch.truncate(snapshotRecord + LogFormat.SMALL_RECORD + 3); // inside the name
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertTrue(store.snapshots(VOL).isEmpty(), "the torn snapshot record is not part of the log");
            assertBlock(content(VOL, 3, 1).array(), read(store, VOL, 3), "records before it are");
            store.createSnapshot(VOL, "again");
            store.write(VOL, 3, content(VOL, 3, 2), WriteConcern.DURABLE);
            store.crash();
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertBlock(content(VOL, 3, 1).array(), readSnapshot(store, VOL, "again", 3), "the log continued");
            assertBlock(content(VOL, 3, 2).array(), read(store, VOL, 3), "live after the torn record");
        }
    }

    @Test
    void cleanerRelocatesBlocksOnlySnapshotsReference() throws IOException {
        int n = 600; // 2.4 MiB: three 1 MiB segments
        try (LogStore store = LogStore.open(config(dir))) {
            for (long b = 0; b < n; b++) {
                write(store, VOL, b, 1);
            }
            for (long b = 1; b < n; b += 2) {
                write(store, VOL, b, 2); // odd v1 records die
            }
            store.createSnapshot(VOL, "s");
            for (long b = 0; b < n; b += 2) {
                write(store, VOL, b, 3); // even v1 records: only s references them now
            }
            store.cloneVolume(VOL, "s", CLONE); // and a clone shares them
            long before = store.locationOf(CLONE, 0);
            long firstSegment = LogFormat.segmentOf(before);
            CleanResult result = store.clean(0.6);
            assertTrue(result.victimSegments() >= 2, result.toString());
            assertTrue(result.blocksMoved() >= 200, result.toString());
            assertFalse(Files.exists(store.segmentPath(firstSegment)), "the first segment was cleaned away");
            assertNotEquals(before, store.locationOf(CLONE, 0), "the clone's map follows the relocation");
            checkAfterCleaning(store, n);
            store.crash();
        }
        try (LogStore store = LogStore.open(config(dir))) {
            checkAfterCleaning(store, n);
        }
    }

    private static void checkAfterCleaning(LogStore store, int n) throws IOException {
        for (long b = 0; b < n; b++) {
            byte[] inS = content(VOL, b, b % 2 == 0 ? 1 : 2).array();
            assertBlock(inS, readSnapshot(store, VOL, "s", b), "s, block " + b);
            assertBlock(inS, read(store, CLONE, b), "clone of s, block " + b);
            assertBlock(content(VOL, b, b % 2 == 0 ? 3 : 2).array(), read(store, VOL, b), "live, block " + b);
        }
        assertTrue(store.verify(VOL).healthy());
    }

    /**
     * Snapshot and clone reads while writers overwrite the live view, the cleaner relocates the snapshot's records
     * and its checkpoints delete their segments: every read returns the frozen bytes (a read whose record moved looks
     * the block up again).
     */
    @Test
    void snapshotReadsRacingWritersAndTheCleanerSeeTheFrozenBytes() throws Exception {
        int n = 512;
        java.util.concurrent.atomic.AtomicLong moved = new java.util.concurrent.atomic.AtomicLong();
        try (LogStore store = LogStore.open(config(dir))) {
            for (long b = 0; b < n; b++) {
                write(store, VOL, b, 0); // dies at once: the snapshot's records sit in half-dead segments
                write(store, VOL, b, 1);
            }
            store.createSnapshot(VOL, "s");
            store.cloneVolume(VOL, "s", CLONE);
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<?>> tasks = new java.util.ArrayList<>();
                java.util.concurrent.Future<?> writer = pool.submit(() -> {
                    for (long version = 2; version < 14 && !stop.get(); version++) { // 12 passes: ~24 MiB of log
                        for (long b = 0; b < n; b++) {
                            write(store, VOL, b, version);
                        }
                    }
                    return null;
                });
                tasks.add(writer);
                tasks.add(pool.submit(() -> {
                    while (!stop.get()) {
                        moved.addAndGet(store.clean(0.9).blocksMoved());
                    }
                    return null;
                }));
                for (UUID reader : List.of(VOL, CLONE)) {
                    tasks.add(pool.submit(() -> {
                        java.util.SplittableRandom random = new java.util.SplittableRandom(reader.hashCode());
                        while (!stop.get()) {
                            long b = random.nextInt(n);
                            byte[] got = reader.equals(VOL) ? readSnapshot(store, VOL, "s", b) : read(store, CLONE, b);
                            assertArrayEquals(content(VOL, b, 1).array(), got, reader + " block " + b);
                        }
                        return null;
                    }));
                }
                try {
                    writer.get(120, java.util.concurrent.TimeUnit.SECONDS); // the race lasts as long as the writes
                } finally {
                    stop.set(true);
                }
                for (java.util.concurrent.Future<?> f : tasks) {
                    f.get(60, java.util.concurrent.TimeUnit.SECONDS); // rethrows a failed read
                }
            } finally {
                stop.set(true);
                pool.shutdownNow();
            }
            assertTrue(moved.get() >= n / 2, "the cleaner moved the snapshot's records meanwhile: " + moved.get());
        }
    }

    @Test
    void snapshotMapsArePersistedOnceAndReferencedAfterwards() throws IOException {
        try (LogStore store = LogStore.open(config(dir))) {
            for (long b = 0; b < 10; b++) {
                write(store, VOL, b, 1);
            }
            store.createSnapshot(VOL, "old");
            write(store, VOL, 1, 2);
            store.createSnapshot(VOL, "new");
            store.checkpoint();
            Set<String> first = versionFiles();
            assertEquals(2, first.size(), first.toString());
            write(store, VOL, 2, 2); // changes "new" only
            store.checkpoint();
            Set<String> second = versionFiles();
            assertEquals(2, second.size(), second.toString());
            Set<String> kept = new TreeSet<>(first);
            kept.retainAll(second);
            assertEquals(1, kept.size(), "the unchanged map of 'old' keeps its file: " + first + " -> " + second);
            store.checkpoint();
            assertEquals(second, versionFiles(), "nothing changed: no file is rewritten");
            store.deleteSnapshot(VOL, "old");
            store.deleteSnapshot(VOL, "new");
            store.checkpoint();
            assertTrue(versionFiles().isEmpty(), "files of deleted snapshots go");
        }
    }

    private Set<String> versionFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(f -> f.startsWith("version-"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
