package io.galleonfs.engine.lsm;

import static io.galleonfs.engine.lsm.LsmTestSupport.BS;
import static io.galleonfs.engine.lsm.LsmTestSupport.config;
import static io.galleonfs.engine.lsm.LsmTestSupport.content;
import static io.galleonfs.engine.lsm.LsmTestSupport.read;
import static io.galleonfs.engine.lsm.LsmTestSupport.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Multi-block writes as runs of records (one O_DIRECT write for the whole blocks only the run occupies, buffered writes
 * for the partial blocks it shares with neighbours): exact bytes, neighbours untouched, runs split across segment rolls,
 * concurrent single-block appenders in the same segments, and the crash rule for a run the disk lost part of.
 */
class LogRunTest {
    private static final UUID VOL = new UUID(0x5151, 0x7272);
    private static final UUID OTHER = new UUID(0x9191, 0x2323);

    @TempDir
    Path dir;

    /** putRun writes exactly the run's bytes, at any offset and length, and never a byte around them. */
    @Test
    void aRunWritesExactlyItsBytesAndNoNeighboursByte() throws IOException {
        SplittableRandom random = new SplittableRandom(11);
        int size = 1 << 20;
        try (Segment segment = Segment.create(dir, 1, BS, size)) {
            segment.openForAppend();
            System.out.println("segment runs use O_DIRECT: " + segment.direct());
            byte[] expected = new byte[size];
            try (FileChannel ch = FileChannel.open(segment.path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                Arrays.fill(expected, LogFormat.SEGMENT_HEADER, size, (byte) 0xAA); // stands for neighbours' records
                ch.write(ByteBuffer.wrap(expected, LogFormat.SEGMENT_HEADER, size - LogFormat.SEGMENT_HEADER),
                        LogFormat.SEGMENT_HEADER);
                ch.read(ByteBuffer.wrap(expected, 0, LogFormat.SEGMENT_HEADER), 0);
            }
            RunBuffers buffers = new RunBuffers(Segment.ALIGN + 300_000, 2);
            for (int i = 0; i < 40; i++) {
                int length = 1 + random.nextInt(i % 3 == 0 ? 600 : 280_000); // short ones: no whole block inside
                long offset = LogFormat.SEGMENT_HEADER + random.nextLong(size - LogFormat.SEGMENT_HEADER - length);
                int skew = (int) (offset % Segment.ALIGN);
                ByteBuffer window = buffers.take();
                byte[] run = new byte[length];
                random.nextBytes(run);
                window.position(skew).put(run);
                segment.putRun(offset, MemorySegment.ofBuffer(window.clear()), length, i % 2 == 1); // direct, buffered
                buffers.give(window);
                System.arraycopy(run, 0, expected, (int) offset, length);
                assertArrayEquals(expected, Files.readAllBytes(segment.path), "run " + i + " at " + offset + ", " + length);
            }
        }
    }

    /**
     * Runs longer than what is left of the head segment continue in the next one; single-block appenders run alongside
     * (their records share the partial blocks at the runs' ends); after a kill -9 every acknowledged block reads back.
     */
    @ParameterizedTest(name = "runs through the page cache: {0}")
    @ValueSource(booleans = {false, true})
    void runsAcrossRollsBesideSingleBlockAppendersSurviveACrash(boolean buffered) throws Exception {
        int pieces = 12;
        int blocksPerPiece = 100; // 100 × 4,156 bytes: rolls of the 1 MiB segments fall inside runs
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (LogStore store = LogStore.open(config(dir))) {
            // Buffered: every run through the page cache, the durable pieces' syncs notwithstanding (each reading of
            // this clock is a quiet period later than the one before).
            java.util.concurrent.atomic.AtomicLong ticks = new java.util.concurrent.atomic.AtomicLong();
            store.runRouting(new RunRouting(buffered ? () -> true : null, () -> ticks.addAndGet(RunRouting.SYNC_QUIET_NANOS)));
            Future<?> singles = pool.submit(() -> {
                for (int i = 0; i < 400; i++) {
                    store.write(OTHER, i % 50, content(OTHER, i % 50, i), WriteConcern.ACKNOWLEDGED);
                }
                return null;
            });
            Future<?> sealed = pool.submit(() -> {
                for (int p = 0; p < pieces; p++) {
                    store.writeBlocks(VOL, 10_000 + (long) p * blocksPerPiece, blocks(10_000 + p * blocksPerPiece,
                            blocksPerPiece, 1), WriteConcern.ACKNOWLEDGED, LogRunTest::fakeSeal, 1);
                }
                return null;
            });
            for (int p = 0; p < pieces; p++) {
                store.writeBlocks(VOL, (long) p * blocksPerPiece, blocks(p * blocksPerPiece, blocksPerPiece, 1),
                        p % 2 == 0 ? WriteConcern.DURABLE : WriteConcern.ACKNOWLEDGED, null, 1);
            }
            singles.get();
            sealed.get();
            assertTrue(store.stats().segments() >= 5, "runs crossed segment rolls: " + store.stats());
            store.crash();
        } finally {
            pool.shutdownNow();
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertEquals(pieces * blocksPerPiece * 2 + 400, store.stats().replayedRecords());
            for (long b = 0; b < pieces * blocksPerPiece; b++) {
                assertArrayEquals(content(VOL, b, 1).array(), read(store, VOL, b), "block " + b);
                ByteBuffer sealedBlock = ByteBuffer.allocate(store.sealedBytes());
                store.readSealed(VOL, null, 10_000 + b, sealedBlock);
                assertArrayEquals(content(VOL, 10_000 + b, 1).array(), Arrays.copyOfRange(sealedBlock.array(),
                        LogFormat.SEALED_PREFIX, LogFormat.SEALED_PREFIX + BS), "sealed block " + (10_000 + b));
            }
            for (int i = 350; i < 400; i++) {
                assertArrayEquals(content(OTHER, i % 50, i).array(), read(store, OTHER, i % 50), "single " + i);
            }
        }
    }

    /** The disk lost a block inside a run (power loss before its fdatasync): the log ends at the damaged record. */
    @Test
    void aRunWithALostBlockEndsTheLogAtTheFirstDamagedRecord() throws IOException {
        int count = 64;
        long firstLocation;
        try (LogStore store = LogStore.open(config(dir))) {
            store.write(VOL, 999, content(VOL, 999, 1), WriteConcern.DURABLE);
            store.writeBlocks(VOL, 0, blocks(0, count, 1), WriteConcern.ACKNOWLEDGED, null, 1);
            firstLocation = store.locationOf(VOL, 0);
            store.crash();
        }
        long lostBlock = (LogFormat.offsetOf(firstLocation) + 30L * LogFormat.dataRecordLength(BS)) & -Segment.ALIGN;
        int firstDamaged = (int) ((lostBlock - LogFormat.offsetOf(firstLocation)) / LogFormat.dataRecordLength(BS));
        try (FileChannel ch = FileChannel.open(Segment.pathOf(dir, LogFormat.segmentOf(firstLocation)),
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(Segment.ALIGN), lostBlock);
        }
        try (LogStore store = LogStore.open(config(dir))) {
            assertArrayEquals(content(VOL, 999, 1).array(), read(store, VOL, 999), "the durable write before the run");
            for (int b = 0; b < count; b++) {
                byte[] expected = b < firstDamaged ? content(VOL, b, 1).array() : zeros();
                assertArrayEquals(expected, read(store, VOL, b), "block " + b + " (damaged from " + firstDamaged + ")");
            }
        }
    }

    private static ByteBuffer blocks(long first, int count, long version) {
        ByteBuffer all = ByteBuffer.allocate(count * BS);
        for (int i = 0; i < count; i++) {
            all.put(content(VOL, first + i, version));
        }
        return all.flip();
    }

    /** A stand-in sealer (the nonce, a zero tag, the plaintext): enough to check where sealed payloads land. */
    private static ByteBuffer fakeSeal(long block, long nonce, ByteBuffer plain) {
        ByteBuffer sealed = ByteBuffer.allocate(LogFormat.SEALED_PREFIX + BS).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        sealed.putLong(nonce).position(LogFormat.SEALED_PREFIX);
        return sealed.put(plain).flip();
    }
}
