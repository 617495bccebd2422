package io.galleonfs.engine.lsm;

import static io.galleonfs.engine.lsm.LsmTestSupport.BS;
import static io.galleonfs.engine.lsm.LsmTestSupport.config;
import static io.galleonfs.engine.lsm.LsmTestSupport.content;
import static io.galleonfs.engine.lsm.LsmTestSupport.read;
import static io.galleonfs.engine.lsm.LsmTestSupport.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The caller-side append path: concurrent appenders across segment rolls, the crash rule for holes (a place reserved
 * by a writer that never filled it) and the PAD a failed seal leaves.
 */
class LogAppendTest {
    private static final UUID VOL = new UUID(0x1234, 0x5678);

    @TempDir
    Path dir;

    /** Eight writers, acknowledged and durable mixed, over several 1 MiB segments; kill -9; every last write reads back. */
    @Test
    void concurrentWritersAcrossRollsRecoverEveryAcknowledgedBlock() throws Exception {
        int threads = 8;
        int perThread = 150; // 1,200 writes of 4 KiB: ~5 segment rolls while writers are in flight
        long[][] last = new long[threads][40];
        try (LogStore store = LogStore.open(config(dir))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    futures.add(pool.submit(() -> {
                        SplittableRandom random = new SplittableRandom(thread);
                        for (int i = 1; i <= perThread; i++) {
                            int slot = random.nextInt(40);
                            long block = thread * 40L + slot;
                            store.write(VOL, block, content(VOL, block, i),
                                    i % 3 == 0 ? WriteConcern.DURABLE : WriteConcern.ACKNOWLEDGED);
                            last[thread][slot] = i;
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(store.stats().segments() >= 4, "segments rolled under concurrent appends: " + store.stats());
            store.crash();
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertEquals(threads * perThread, store.stats().replayedRecords(), "no checkpoint: every record replays");
            for (int t = 0; t < threads; t++) {
                for (int slot = 0; slot < 40; slot++) {
                    long block = t * 40L + slot;
                    byte[] expected = last[t][slot] == 0 ? zeros() : content(VOL, block, last[t][slot]).array();
                    assertArrayEquals(expected, read(store, VOL, block), "block " + block);
                }
            }
        }
    }

    /**
     * Power loss with a hole: durable writes, then acknowledged ones that no fdatasync covered; one unsynced record in
     * the middle reads back as zeros (a writer that died mid-copy, or a page the disk never got) while whole records
     * follow it. Recovery keeps every durable block, trusts nothing from the hole on (the newest segment is cut there),
     * and the log continues after it.
     */
    @Test
    void aHoleAfterTheLastSyncEndsTheLogAndNothingAfterItIsTrusted() throws IOException {
        long seed = Long.getLong("lsm.seed", System.nanoTime());
        System.out.println("aHoleAfterTheLastSyncEndsTheLogAndNothingAfterItIsTrusted seed " + seed);
        SplittableRandom random = new SplittableRandom(seed);
        int durable = 60;
        int total = 180; // 60 durable + 120 acknowledged: ~750 KB, all in the first 1 MiB segment
        long[] locations = new long[total];
        try (LogStore store = LogStore.open(config(dir))) {
            for (int b = 0; b < total; b++) {
                store.write(VOL, b, content(VOL, b, 1), b < durable ? WriteConcern.DURABLE : WriteConcern.ACKNOWLEDGED);
                locations[b] = store.locationOf(VOL, b);
            }
            store.crash();
        }
        assertEquals(LogFormat.segmentOf(locations[0]), LogFormat.segmentOf(locations[total - 1]), "one segment");
        int hole = random.nextInt(durable, total - 1); // at least one whole record after it
        Path segment = Segment.pathOf(dir, LogFormat.segmentOf(locations[hole]));
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocate(LogFormat.dataRecordLength(BS));
            long at = LogFormat.offsetOf(locations[hole]);
            while (zeros.hasRemaining()) {
                ch.write(zeros, at + zeros.position());
            }
        }
        try (LogStore store = LogStore.open(config(dir))) {
            for (int b = 0; b < total; b++) {
                byte[] expected = b < hole ? content(VOL, b, 1).array() : zeros();
                assertArrayEquals(expected, read(store, VOL, b), "block " + b + " (hole at record " + hole + ")");
            }
            assertEquals(LogFormat.offsetOf(locations[hole]), Files.size(segment),
                    "the newest segment is cut at the hole: the whole records after it are gone");
            store.write(VOL, total - 1, content(VOL, total - 1, 2), WriteConcern.DURABLE);
            store.crash();
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertArrayEquals(content(VOL, total - 1, 2).array(), read(store, VOL, total - 1), "the log continued");
            assertArrayEquals(zeros(), read(store, VOL, total - 2), "still not trusted");
            assertArrayEquals(content(VOL, hole - 1, 1).array(), read(store, VOL, hole - 1));
        }
    }

    /**
     * A seal that fails after the places of a write's records were reserved leaves PAD records there: the log stays
     * contiguous, and nothing of that write is applied (its records are reserved and written together, as a run).
     */
    @Test
    void aFailedSealLeavesAPadAndTheLogContinues() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        BlockSealer flaky = (block, nonce, plain) -> {
            if (calls.incrementAndGet() == 3) {
                throw new IllegalStateException("cipher failure");
            }
            ByteBuffer sealed = ByteBuffer.allocate(LogFormat.SEALED_PREFIX + BS);
            sealed.order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(nonce).position(LogFormat.SEALED_PREFIX);
            return sealed.put(plain).flip();
        };
        ByteBuffer three = ByteBuffer.allocate(3 * BS);
        for (int i = 1; i <= 3; i++) {
            three.put(content(VOL, i, 1));
        }
        try (LogStore store = LogStore.open(config(dir))) {
            store.writeBlocks(VOL, 0, content(VOL, 0, 1), WriteConcern.DURABLE, flaky);
            IOException e = assertThrows(IOException.class,
                    () -> store.writeBlocks(VOL, 1, three.flip(), WriteConcern.DURABLE, flaky));
            assertTrue(e.getMessage().contains("cipher failure"), e.getMessage());
            store.write(VOL, 10, content(VOL, 10, 1), WriteConcern.DURABLE);
            assertEquals(5, store.stats().records(), "the sealed block 0, three PADs, block 10");
            store.crash();
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertEquals(5, store.stats().replayedRecords(), "block 0, three PADs, block 10");
            assertArrayEquals(content(VOL, 10, 1).array(), read(store, VOL, 10));
            ByteBuffer sealed = ByteBuffer.allocate(store.sealedBytes());
            store.readSealed(VOL, null, 0, sealed);
            assertArrayEquals(content(VOL, 0, 1).array(),
                    java.util.Arrays.copyOfRange(sealed.array(), LogFormat.SEALED_PREFIX, LogFormat.SEALED_PREFIX + BS));
            for (int b = 1; b <= 3; b++) {
                assertArrayEquals(zeros(), read(store, VOL, b), "block " + b + " of the failed write was never written");
            }
        }
    }

    /**
     * A kill -9 while an appender's pwrite of the next record was half done: its header is whole (the next seq) and its
     * block torn. Recovery cuts the log at that record, every acknowledged block reads back, and the log continues.
     */
    @Test
    void aTornNextRecordEndsTheLogAfterEveryAcknowledgedRecord() throws IOException {
        int total = 7;
        long[] locations = new long[total];
        try (LogStore store = LogStore.open(config(dir))) {
            for (int b = 0; b < total; b++) {
                store.write(VOL, b, content(VOL, b, 1), b % 2 == 0 ? WriteConcern.DURABLE : WriteConcern.ACKNOWLEDGED);
                locations[b] = store.locationOf(VOL, b);
            }
            store.crash();
        }
        Path segment = Segment.pathOf(dir, LogFormat.segmentOf(locations[0]));
        long end = LogFormat.offsetOf(locations[total - 1]) + LogFormat.dataRecordLength(BS);
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer last = ByteBuffer.allocate(LogFormat.dataRecordLength(BS)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(last, LogFormat.offsetOf(locations[total - 1]));
            last.putLong(16, last.getLong(16) + 1); // the next seq: the record an appender was still copying
            int torn = 2000; // the header and part of the block
            ch.write(last.flip().limit(torn), end);
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertEquals(total, store.stats().replayedRecords(), "every record before the torn one");
            for (int b = 0; b < total; b++) {
                assertArrayEquals(content(VOL, b, 1).array(), read(store, VOL, b), "block " + b);
            }
            assertEquals(end, Files.size(segment), "cut after the last whole record");
            store.write(VOL, total, content(VOL, total, 1), WriteConcern.DURABLE);
            store.crash();
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertArrayEquals(content(VOL, total, 1).array(), read(store, VOL, total), "the log continued");
        }
    }
}
