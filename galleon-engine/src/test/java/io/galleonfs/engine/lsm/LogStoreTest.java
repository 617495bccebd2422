package io.galleonfs.engine.lsm;

import static io.galleonfs.engine.lsm.LsmTestSupport.BS;
import static io.galleonfs.engine.lsm.LsmTestSupport.config;
import static io.galleonfs.engine.lsm.LsmTestSupport.content;
import static io.galleonfs.engine.lsm.LsmTestSupport.read;
import static io.galleonfs.engine.lsm.LsmTestSupport.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.ChecksumMismatchException;
import io.galleonfs.engine.EngineException;
import io.galleonfs.engine.OutOfRangeException;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LogStoreTest {
    private static final UUID VOL = UUID.fromString("00000000-0000-4000-8000-000000000018");
    private static final UUID OTHER = UUID.fromString("00000000-0000-4000-8000-000000000019");

    @TempDir
    Path dir;

    @Test
    void roundTripOverwriteTrimAndDrop() throws IOException {
        try (LogStore store = LogStore.open(config(dir))) {
            assertArrayEquals(zeros(), read(store, VOL, 7), "unwritten block reads as zeros");
            store.write(VOL, 7, content(VOL, 7, 1), WriteConcern.ACKNOWLEDGED);
            store.write(OTHER, 7, content(OTHER, 7, 1), WriteConcern.DURABLE);
            assertArrayEquals(content(VOL, 7, 1).array(), read(store, VOL, 7));
            assertArrayEquals(content(OTHER, 7, 1).array(), read(store, OTHER, 7), "volumes are separate");

            store.write(VOL, 7, content(VOL, 7, 2), WriteConcern.DURABLE);
            assertArrayEquals(content(VOL, 7, 2).array(), read(store, VOL, 7), "overwrite wins");
            assertEquals(2, store.stats().mappedBlocks());
            assertEquals(2L * LogFormat.dataRecordLength(BS), store.stats().liveBytes(), "old version is dead");

            for (long b = 10; b < 20; b++) {
                store.write(VOL, b, content(VOL, b, 1), WriteConcern.ACKNOWLEDGED);
            }
            store.trim(VOL, 12, 5, WriteConcern.DURABLE);
            for (long b = 10; b < 20; b++) {
                byte[] expected = b >= 12 && b < 17 ? zeros() : content(VOL, b, 1).array();
                assertArrayEquals(expected, read(store, VOL, b), "block " + b);
            }

            store.dropVolume(OTHER, WriteConcern.DURABLE);
            assertArrayEquals(zeros(), read(store, OTHER, 7));
            assertArrayEquals(content(VOL, 7, 2).array(), read(store, VOL, 7));
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertArrayEquals(content(VOL, 7, 2).array(), read(store, VOL, 7), "after a clean close");
            assertArrayEquals(zeros(), read(store, VOL, 13));
            assertArrayEquals(content(VOL, 17, 1).array(), read(store, VOL, 17));
            assertArrayEquals(zeros(), read(store, OTHER, 7));
            assertEquals(0, store.stats().replayedRecords(), "close checkpoints: nothing to replay");
        }
    }

    @Test
    void badArgumentsAreRefused() throws IOException {
        try (LogStore store = LogStore.open(config(dir))) {
            assertThrows(OutOfRangeException.class, () -> store.write(VOL, -1, content(VOL, 0, 0), WriteConcern.DURABLE));
            assertThrows(OutOfRangeException.class,
                    () -> store.write(VOL, Integer.MAX_VALUE, content(VOL, 0, 0), WriteConcern.DURABLE));
            assertThrows(IllegalArgumentException.class,
                    () -> store.write(VOL, 0, ByteBuffer.allocate(BS - 1), WriteConcern.DURABLE));
            assertThrows(IllegalArgumentException.class, () -> store.read(VOL, 0, ByteBuffer.allocate(BS - 1)));
            assertThrows(EngineException.class, () -> LogStore.open(config(dir)), "second open of the same store");
        }
        LogStore closed = LogStore.open(config(dir));
        closed.close();
        assertThrows(EngineException.class, () -> closed.write(VOL, 0, content(VOL, 0, 0), WriteConcern.DURABLE));
        assertThrows(EngineException.class, () -> closed.read(VOL, 0, ByteBuffer.allocate(BS)));
    }

    @Test
    void recoveryLoadsTheCheckpointAndReplaysOnlyTheTail() throws IOException {
        try (LogStore store = LogStore.open(config(dir))) {
            for (long b = 0; b < 600; b++) { // several 1 MiB segments
                store.write(VOL, b, content(VOL, b, 1), WriteConcern.ACKNOWLEDGED);
            }
            store.checkpoint();
            for (long b = 0; b < 50; b++) {
                store.write(VOL, b, content(VOL, b, 2), WriteConcern.DURABLE);
            }
            store.trim(VOL, 100, 10, WriteConcern.DURABLE);
            store.write(OTHER, 3, content(OTHER, 3, 1), WriteConcern.ACKNOWLEDGED);
            store.crash();
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertEquals(52, store.stats().replayedRecords(), "50 writes, 1 trim, 1 write after the checkpoint");
            for (long b = 0; b < 600; b++) {
                byte[] expected = b < 50 ? content(VOL, b, 2).array()
                        : b >= 100 && b < 110 ? zeros() : content(VOL, b, 1).array();
                assertArrayEquals(expected, read(store, VOL, b), "block " + b);
            }
            assertArrayEquals(content(OTHER, 3, 1).array(), read(store, OTHER, 3));
        }
    }

    @Test
    void checkpointStartsByItselfAfterTheConfiguredLogBytes() throws IOException {
        LogStoreConfig small = new LogStoreConfig(dir, BS, 1L << 20, 64L * LogFormat.dataRecordLength(BS));
        try (LogStore store = LogStore.open(small)) {
            for (long b = 0; b < 1000; b++) {
                store.write(VOL, b, content(VOL, b, 1), WriteConcern.DURABLE);
            }
            store.checkpoint(); // queued behind any automatic one: after it, all earlier ones are done
            assertTrue(store.stats().checkpoints() >= 5, "checkpoints: " + store.stats().checkpoints());
            store.crash();
        }
        try (LogStore store = LogStore.open(small)) {
            assertEquals(0, store.stats().replayedRecords());
            for (long b = 0; b < 1000; b++) {
                assertArrayEquals(content(VOL, b, 1).array(), read(store, VOL, b), "block " + b);
            }
        }
    }

    /**
     * A crash tears the last record: either the file ends inside it (truncated) or the unsynced pages read back as
     * zeros (power loss on a preallocated segment). Recovery stops at the last whole record.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void recoveryStopsAtATornRecord(boolean truncate) throws IOException {
        long seed = Long.getLong("lsm.seed", System.nanoTime());
        System.out.println("recoveryStopsAtATornRecord seed " + seed + " (replay with -Dlsm.seed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        int n = 150;
        long[] locations = new long[n];
        try (LogStore store = LogStore.open(config(dir))) {
            for (int b = 0; b < n; b++) {
                store.write(VOL, b, content(VOL, b, 1), WriteConcern.DURABLE);
                locations[b] = store.locationOf(VOL, b);
            }
            store.crash();
        }
        long head = LogFormat.segmentOf(locations[n - 1]);
        int first = 0;
        while (LogFormat.segmentOf(locations[first]) != head) {
            first++;
        }
        int torn = random.nextInt(first, n);
        long cut = LogFormat.offsetOf(locations[torn]) + random.nextInt(1, LogFormat.dataRecordLength(BS));
        Path segment = Segment.pathOf(dir, head);
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            if (truncate) {
                ch.truncate(cut);
            } else {
                ByteBuffer zeros = ByteBuffer.allocate((int) (ch.size() - cut));
                while (zeros.hasRemaining()) {
                    ch.write(zeros, cut + zeros.position());
                }
            }
        }
        try (LogStore store = LogStore.open(config(dir))) {
            for (int b = 0; b < n; b++) {
                byte[] expected = b < torn ? content(VOL, b, 1).array() : zeros();
                assertArrayEquals(expected, read(store, VOL, b), "block " + b + " (torn record " + torn + ")");
            }
            // The log continues after the torn tail: new records survive the next recovery.
            store.write(VOL, torn, content(VOL, torn, 2), WriteConcern.DURABLE);
            store.crash();
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertArrayEquals(content(VOL, torn, 2).array(), read(store, VOL, torn));
            if (torn > 0) { // (with torn 0, block torn - 1 was block 0 itself: the record rewritten just above)
                assertArrayEquals(content(VOL, torn - 1, 1).array(), read(store, VOL, torn - 1));
            }
        }
    }

    @Test
    void aFlippedByteInAStoredBlockFailsTheReadWithTheChecksumError() throws IOException {
        long location;
        try (LogStore store = LogStore.open(config(dir))) {
            store.write(VOL, 5, content(VOL, 5, 1), WriteConcern.DURABLE);
            store.write(VOL, 6, content(VOL, 6, 1), WriteConcern.DURABLE);
            location = store.locationOf(VOL, 5);
        }
        Path segment = Segment.pathOf(dir, LogFormat.segmentOf(location));
        long at = LogFormat.offsetOf(location) + LogFormat.RECORD_HEADER + 1234;
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, at);
            one.put(0, (byte) (one.get(0) ^ 0x40)).rewind();
            ch.write(one, at);
        }
        try (LogStore store = LogStore.open(config(dir))) {
            ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class, () -> read(store, VOL, 5));
            assertEquals(VOL, e.volume());
            assertEquals(5, e.block());
            assertArrayEquals(content(VOL, 6, 1).array(), read(store, VOL, 6), "the neighbour is intact");
            store.write(VOL, 5, content(VOL, 5, 2), WriteConcern.DURABLE);
            assertArrayEquals(content(VOL, 5, 2).array(), read(store, VOL, 5), "a rewrite repairs the block");
        }
    }

    @Test
    void aSegmentThatDoesNotContinueTheLogIsSetAsideNotReplayed() throws IOException {
        try (LogStore store = LogStore.open(config(dir))) {
            for (long b = 0; b < 600; b++) {
                store.write(VOL, b, content(VOL, b, 1), WriteConcern.DURABLE);
            }
            store.crash();
        }
        // Corrupt the first record of the second segment: the third no longer continues the sequence.
        List<Long> ids = new ArrayList<>(LogRecovery.listSegments(dir).keySet());
        assertTrue(ids.size() >= 3, "segments " + ids);
        try (FileChannel ch = FileChannel.open(Segment.pathOf(dir, ids.get(1)), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 0}), LogFormat.SEGMENT_HEADER);
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertArrayEquals(content(VOL, 0, 1).array(), read(store, VOL, 0), "the first segment is replayed");
            assertArrayEquals(zeros(), read(store, VOL, 599), "nothing after the gap is replayed");
        }
        assertTrue(Files.exists(dir.resolve(Segment.pathOf(dir, ids.get(2)).getFileName() + ".orphaned")));
        assertTrue(Files.exists(dir.resolve(Segment.pathOf(dir, ids.get(1)).getFileName() + ".cut-at-"
                + LogFormat.SEGMENT_HEADER)), "the bytes after the cut are kept");
        try (LogStore store = LogStore.open(config(dir))) {
            store.write(VOL, 599, content(VOL, 599, 2), WriteConcern.DURABLE);
            store.crash();
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertArrayEquals(content(VOL, 599, 2).array(), read(store, VOL, 599), "the log continues after the cut");
        }
    }

    @Test
    void whatRecoveryKeepsNeverReplacesWhatAnEarlierRecoveryKept() throws IOException {
        Path orphan = dir.resolve("segment-0000000000000083.log.orphaned");
        assertEquals(orphan, LogRecovery.unusedName(orphan));
        Files.writeString(orphan, "first");
        Path second = LogRecovery.unusedName(orphan);
        assertEquals(dir.resolve("segment-0000000000000083.log.orphaned-2"), second);
        Files.writeString(second, "second");
        assertEquals(dir.resolve("segment-0000000000000083.log.orphaned-3"), LogRecovery.unusedName(orphan));
        assertEquals("first", Files.readString(orphan));
    }

    @Test
    void cleanerMovesLiveBlocksAndDeletesDeadSegments() throws IOException {
        long seed = Long.getLong("lsm.seed", System.nanoTime());
        System.out.println("cleaner test seed " + seed + " (replay with -Dlsm.seed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        int blocks = 2048; // 8 MiB live in 1 MiB segments
        Map<Long, Long> version = new HashMap<>();
        try (LogStore store = LogStore.open(config(dir))) {
            for (long b = 0; b < blocks; b++) {
                store.write(VOL, b, content(VOL, b, 1), WriteConcern.ACKNOWLEDGED);
                version.put(b, 1L);
            }
            for (int pass = 2; pass <= 3; pass++) { // overwritten 3x in all
                for (int i = 0; i < blocks; i++) {
                    long b = random.nextInt(blocks);
                    store.write(VOL, b, content(VOL, b, pass), WriteConcern.ACKNOWLEDGED);
                    version.put(b, (long) pass);
                }
            }
            LogStoreStats before = store.stats();
            CleanResult result = store.clean(0.9);
            LogStoreStats after = store.stats();
            System.out.printf("cleaner: %s; space %d -> %d bytes for %d live (%.2fx)%n", result,
                    before.segmentBytes(), after.segmentBytes(), after.liveBytes(),
                    (double) after.segmentBytes() / after.liveBytes());
            assertTrue(result.segmentsDeleted() > 0);
            assertEquals(result.victimSegments(), result.segmentsDeleted(), "every victim ends without live data");
            assertTrue(after.segmentBytes() <= 1.3 * after.liveBytes(),
                    "space " + after.segmentBytes() + " for live " + after.liveBytes());
            verify(store, version);
            store.crash();
        }
        try (LogStore store = LogStore.open(config(dir))) {
            verify(store, version);
        }
    }

    @Test
    void aCrashInTheMiddleOfACleanerPassLosesNothing() throws Exception {
        int blocks = 1500;
        Map<Long, Long> version = new HashMap<>();
        for (int round = 1; round <= 3; round++) {
            try (LogStore store = LogStore.open(config(dir))) {
                verify(store, version);
                for (long b = 0; b < blocks; b++) {
                    if (b % 3 != round % 3 || !version.containsKey(b)) {
                        store.write(VOL, b, content(VOL, b, round), WriteConcern.ACKNOWLEDGED);
                        version.put(b, (long) round);
                    }
                }
                if (round < 3) {
                    // Crash after the pass appended its relocations, before its checkpoint deleted the victims.
                    store.beforeCleanCheckpoint(() -> {
                        try {
                            store.crash();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    assertThrows(EngineException.class, () -> store.clean(1.0), "the pass ends as closed");
                } else {
                    assertTrue(store.clean(1.0).segmentsDeleted() > 0);
                    store.crash(); // after the pass: victims deleted, checkpoint durable
                }
            }
        }
        try (LogStore store = LogStore.open(config(dir))) {
            verify(store, version);
            store.clean(0.5);
            verify(store, version);
        }
    }

    @Test
    void readsRacingTheCleanerAlwaysSeeTheCurrentBytes() throws Exception {
        int blocks = 1000;
        try (LogStore store = LogStore.open(config(dir))) {
            for (long b = 0; b < blocks; b++) {
                store.write(VOL, b, content(VOL, b, 1), WriteConcern.ACKNOWLEDGED);
            }
            for (long b = 0; b < blocks; b += 2) {
                store.write(VOL, b, content(VOL, b, 2), WriteConcern.ACKNOWLEDGED);
            }
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService readers = Executors.newFixedThreadPool(3);
            try {
                List<Future<Long>> results = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    long seed = t;
                    results.add(readers.submit(() -> {
                        SplittableRandom random = new SplittableRandom(seed);
                        long reads = 0;
                        while (!stop.get() || reads < 1000) {
                            long b = random.nextInt(blocks);
                            assertArrayEquals(content(VOL, b, b % 2 == 0 ? 2 : 1).array(), read(store, VOL, b));
                            reads++;
                        }
                        return reads;
                    }));
                }
                for (int round = 0; round < 3; round++) {
                    assertTrue(store.clean(1.0).victimSegments() > 0, "every sealed segment is a victim at 1.0");
                }
                stop.set(true);
                for (Future<Long> f : results) {
                    assertTrue(f.get(60, TimeUnit.SECONDS) >= 1000);
                }
            } finally {
                stop.set(true);
                readers.shutdownNow();
            }
        }
    }

    @Test
    void concurrentDurableWritersShareFsyncs() throws Exception {
        int threads = 8;
        int perThread = 200;
        try (LogStore store = LogStore.open(config(dir))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    long base = (long) t * perThread;
                    futures.add(pool.submit(() -> {
                        for (long b = base; b < base + perThread; b++) {
                            store.write(VOL, b, content(VOL, b, 1), WriteConcern.DURABLE);
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
            LogStoreStats stats = store.stats();
            assertEquals(threads * perThread, stats.durableRecords());
            assertTrue(stats.fsyncs() < stats.durableRecords(), "group commit: " + stats);
            store.crash();
        }
        try (LogStore store = LogStore.open(config(dir))) {
            for (long b = 0; b < (long) threads * perThread; b++) {
                assertArrayEquals(content(VOL, b, 1).array(), read(store, VOL, b), "block " + b);
            }
        }
    }

    @Test
    void anInterruptedReaderFailsAloneAndTheStoreKeepsWorking() throws IOException {
        try (LogStore store = LogStore.open(config(dir))) {
            store.write(VOL, 1, content(VOL, 1, 1), WriteConcern.DURABLE);
            Thread.currentThread().interrupt();
            try {
                assertThrows(java.io.InterruptedIOException.class, () -> read(store, VOL, 1));
            } finally {
                Thread.interrupted();
            }
            assertArrayEquals(content(VOL, 1, 1).array(), read(store, VOL, 1), "the read channel was reopened");
            store.write(VOL, 2, content(VOL, 2, 1), WriteConcern.DURABLE);
            assertArrayEquals(content(VOL, 2, 1).array(), read(store, VOL, 2), "the writer's channel is untouched");
        }
    }

    @Test
    void aStoreWithAnotherBlockSizeIsRefused() throws IOException {
        try (LogStore store = LogStore.open(config(dir))) {
            store.write(VOL, 0, content(VOL, 0, 1), WriteConcern.DURABLE);
        }
        EngineException e = assertThrows(EngineException.class,
                () -> LogStore.open(new LogStoreConfig(dir, 8192, 1L << 20, 1L << 30)));
        assertTrue(e.getMessage().contains("block size"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("checkpoint.idx.tmp")));
    }

    private static void verify(LogStore store, Map<Long, Long> version) throws IOException {
        for (Map.Entry<Long, Long> e : version.entrySet()) {
            assertArrayEquals(content(VOL, e.getKey(), e.getValue()).array(), read(store, VOL, e.getKey()),
                    "block " + e.getKey());
        }
    }
}
