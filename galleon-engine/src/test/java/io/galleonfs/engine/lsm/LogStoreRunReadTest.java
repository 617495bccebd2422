package io.galleonfs.engine.lsm;

import static io.galleonfs.engine.lsm.LsmTestSupport.BS;
import static io.galleonfs.engine.lsm.LsmTestSupport.config;
import static io.galleonfs.engine.lsm.LsmTestSupport.content;
import static io.galleonfs.engine.lsm.LsmTestSupport.flipByte;
import static io.galleonfs.engine.lsm.LsmTestSupport.read;
import static io.galleonfs.engine.lsm.LsmTestSupport.readSnapshot;
import static io.galleonfs.engine.lsm.LsmTestSupport.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.ChecksumMismatchException;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LogStore#readBlocks} and {@link LogStore#readSnapshotBlocks}: runs of back-to-back records read with one pread,
 * same bytes as block by block.
 */
class LogStoreRunReadTest {
    private static final UUID VOL = UUID.fromString("00000000-0000-4000-8000-000000000141");
    /** More blocks than one run holds, so a read spans several runs. */
    private static final int BLOCKS = 200;

    @TempDir
    Path dir;

    @Test
    void aRunReadGivesTheSnapshotsBytesAcrossRewritesHolesAndRunLimits() throws IOException {
        try (LogStore store = LogStore.open(config(dir))) {
            writeFirstVersion(store, BLOCKS, WriteConcern.DURABLE);
            assertEquals(store.locationOf(VOL, 0) + LogFormat.dataRecordLength(BS), store.locationOf(VOL, 1),
                    "written back to back: the read below goes through runs");
            store.trim(VOL, 40, 3, WriteConcern.DURABLE); // a hole in the middle of a run
            for (int b : new int[] {7, 8, 90, 150}) { // rewritten: their records now lie elsewhere
                store.write(VOL, b, content(VOL, b, 2), WriteConcern.DURABLE);
            }
            store.createSnapshot(VOL, "s");
            for (int b = 0; b < BLOCKS; b += 3) { // after the snapshot: must not be seen through it
                store.write(VOL, b, content(VOL, b, 3), WriteConcern.DURABLE);
            }

            int count = BLOCKS + 5; // the last five were never written
            ByteBuffer dst = ByteBuffer.allocate(count * BS + 100);
            dst.position(100); // not at the buffer's start: positions are honoured
            store.readSnapshotBlocks(VOL, "s", 0, count, dst);
            assertEquals(100 + count * BS, dst.position(), "advanced by the blocks read");
            for (int b = 0; b < count; b++) {
                byte[] got = new byte[BS];
                dst.get(100 + b * BS, got);
                assertArrayEquals(readSnapshot(store, VOL, "s", b), got, "block " + b + " as read alone");
                byte[] expected = b >= BLOCKS || (b >= 40 && b < 43) ? zeros()
                        : content(VOL, b, b == 7 || b == 8 || b == 90 || b == 150 ? 2 : 1).array();
                assertArrayEquals(expected, got, "block " + b);
            }
        }
    }

    @Test
    void aFlippedByteInsideARunFailsWithThatBlocksChecksumError() throws IOException {
        long location;
        try (LogStore store = LogStore.open(config(dir))) {
            writeFirstVersion(store, 16, WriteConcern.DURABLE);
            store.createSnapshot(VOL, "s");
            location = store.locationOf(VOL, 9);
        }
        Path segment = Segment.pathOf(dir, LogFormat.segmentOf(location));
        long at = LogFormat.offsetOf(location) + LogFormat.RECORD_HEADER + 77;
        flipByte(segment, at, 0x01);
        try (LogStore store = LogStore.open(config(dir))) {
            ByteBuffer dst = ByteBuffer.allocate(16 * BS);
            ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class,
                    () -> store.readSnapshotBlocks(VOL, "s", 0, 16, dst));
            assertEquals(9, e.block(), "the corrupted block, not the run");
            ByteBuffer before = ByteBuffer.allocate(9 * BS);
            store.readSnapshotBlocks(VOL, "s", 0, 9, before);
            for (int b = 0; b < 9; b++) {
                assertArrayEquals(content(VOL, b, 1).array(), java.util.Arrays.copyOfRange(before.array(), b * BS,
                        (b + 1) * BS), "intact block " + b);
            }
        }
    }

    @Test
    void aLiveRunReadGivesTheLatestBytesAcrossRewritesHolesAndRunLimits() throws IOException {
        try (LogStore store = LogStore.open(config(dir))) {
            writeFirstVersion(store, BLOCKS, WriteConcern.DURABLE);
            store.trim(VOL, 60, 2, WriteConcern.DURABLE);
            store.createSnapshot(VOL, "s"); // the live view must not read through it
            for (int b = 0; b < BLOCKS; b += 7) { // rewritten one by one: their records now lie elsewhere
                store.write(VOL, b, content(VOL, b, 2), WriteConcern.ACKNOWLEDGED);
            }

            int count = BLOCKS + 3; // the last three were never written
            ByteBuffer dst = ByteBuffer.allocateDirect(count * BS + 64);
            dst.position(64);
            store.readBlocks(VOL, 0, count, dst);
            assertEquals(64 + count * BS, dst.position(), "advanced by the blocks read");
            for (int b = 0; b < count; b++) {
                byte[] got = new byte[BS];
                dst.get(64 + b * BS, got);
                assertArrayEquals(read(store, VOL, b), got, "block " + b + " as read alone");
                byte[] expected = b >= BLOCKS || b == 60 || b == 61 ? zeros()
                        : content(VOL, b, b % 7 == 0 ? 2 : 1).array();
                assertArrayEquals(expected, got, "block " + b);
            }
        }
    }

    @Test
    void aFlippedByteInsideALiveRunFailsWithThatBlocksChecksumError() throws IOException {
        long location;
        try (LogStore store = LogStore.open(config(dir))) {
            writeFirstVersion(store, 16, WriteConcern.DURABLE);
            location = store.locationOf(VOL, 5);
        }
        Path segment = Segment.pathOf(dir, LogFormat.segmentOf(location));
        long at = LogFormat.offsetOf(location) + LogFormat.RECORD_HEADER + 1234;
        flipByte(segment, at, 0x40);
        try (LogStore store = LogStore.open(config(dir))) {
            ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class,
                    () -> store.readBlocks(VOL, 0, 16, ByteBuffer.allocate(16 * BS)));
            assertEquals(5, e.block(), "the corrupted block, not the run");
        }
    }

    /**
     * Reads racing rewrites of the same blocks: every block a run read returns is one whole version of that block
     * (never bytes of two versions), and never older than the version acknowledged before the read started.
     */
    @Test
    void aLiveRunReadRacingRewritesReturnsWholeVersionsNoOlderThanTheReadsStart() throws Exception {
        int blocks = 96;
        try (LogStore store = LogStore.open(config(dir))) {
            writeFirstVersion(store, blocks, WriteConcern.ACKNOWLEDGED);
            // Per block: the versions issued, in order (appended before the write), and the newest acknowledged one.
            List<List<Long>> issued = new ArrayList<>();
            for (int b = 0; b < blocks; b++) {
                issued.add(Collections.synchronizedList(new ArrayList<>(List.of(1L))));
            }
            AtomicLongArray acknowledged = new AtomicLongArray(blocks);
            for (int b = 0; b < blocks; b++) {
                acknowledged.set(b, 1);
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> writerFailure = new AtomicReference<>();
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    SplittableRandom random = new SplittableRandom(7);
                    for (long version = 2; !stop.get(); version++) {
                        int first = random.nextInt(blocks - 8);
                        int n = 1 + random.nextInt(8);
                        ByteBuffer data = ByteBuffer.allocate(n * BS);
                        for (int i = 0; i < n; i++) {
                            issued.get(first + i).add(version);
                            data.put(content(VOL, first + i, version));
                        }
                        store.writeBlocks(VOL, first, data.flip(), WriteConcern.ACKNOWLEDGED);
                        for (int i = 0; i < n; i++) {
                            acknowledged.set(first + i, version);
                        }
                    }
                } catch (Throwable t) {
                    writerFailure.set(t);
                }
            });
            try {
                for (int round = 0; round < 200 && writerFailure.get() == null; round++) {
                    long[] floor = new long[blocks];
                    for (int b = 0; b < blocks; b++) {
                        floor[b] = acknowledged.get(b);
                    }
                    ByteBuffer dst = ByteBuffer.allocate(blocks * BS);
                    store.readBlocks(VOL, 0, blocks, dst);
                    for (int b = 0; b < blocks; b++) {
                        byte[] got = Arrays.copyOfRange(dst.array(), b * BS, (b + 1) * BS);
                        assertTrue(isVersionFrom(got, b, issued.get(b), floor[b]), "round " + round + ", block " + b
                                + ": not one whole version issued at or after version " + floor[b]
                                + ", acknowledged before the read");
                    }
                }
            } finally {
                stop.set(true);
                writer.join();
            }
            assertEquals(null, writerFailure.get(), "the writer failed");
        }
    }

    /** True if {@code got} is the content of one of {@code versions} from {@code floor} on (newest first). */
    private static boolean isVersionFrom(byte[] got, int block, List<Long> versions, long floor) {
        List<Long> copy;
        synchronized (versions) {
            copy = new ArrayList<>(versions);
        }
        for (int i = copy.size() - 1; i >= 0 && copy.get(i) >= floor; i--) {
            if (Arrays.equals(content(VOL, block, copy.get(i)).array(), got)) {
                return true;
            }
        }
        return false;
    }

    /** Blocks 0 .. count-1 at version 1, as one multi-block write: their records lie back to back. */
    private static void writeFirstVersion(LogStore store, int count, WriteConcern concern) throws IOException {
        ByteBuffer all = ByteBuffer.allocate(count * BS);
        for (int b = 0; b < count; b++) {
            all.put(content(VOL, b, 1));
        }
        store.writeBlocks(VOL, 0, all.flip(), concern);
    }
}
