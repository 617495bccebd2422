package io.galleonfs.engine.lsm;

import static io.galleonfs.engine.lsm.LsmTestSupport.BS;
import static io.galleonfs.engine.lsm.LsmTestSupport.config;
import static io.galleonfs.engine.lsm.LsmTestSupport.content;
import static io.galleonfs.engine.lsm.LsmTestSupport.readSnapshot;
import static io.galleonfs.engine.lsm.LsmTestSupport.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.galleonfs.engine.ChecksumMismatchException;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LogStore#readSnapshotBlocks}: runs of back-to-back records read with one pread, same bytes as block by block. */
class LogStoreRunReadTest {
    private static final UUID VOL = UUID.fromString("00000000-0000-4000-8000-000000000141");
    /** More blocks than one run holds, so a read spans several runs. */
    private static final int BLOCKS = 200;

    @TempDir
    Path dir;

    @Test
    void aRunReadGivesTheSnapshotsBytesAcrossRewritesHolesAndRunLimits() throws IOException {
        try (LogStore store = LogStore.open(config(dir))) {
            ByteBuffer all = ByteBuffer.allocate(BLOCKS * BS);
            for (int b = 0; b < BLOCKS; b++) {
                all.put(content(VOL, b, 1));
            }
            store.writeBlocks(VOL, 0, all.flip(), WriteConcern.DURABLE);
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
            ByteBuffer all = ByteBuffer.allocate(16 * BS);
            for (int b = 0; b < 16; b++) {
                all.put(content(VOL, b, 1));
            }
            store.writeBlocks(VOL, 0, all.flip(), WriteConcern.DURABLE);
            store.createSnapshot(VOL, "s");
            location = store.locationOf(VOL, 9);
        }
        Path segment = Segment.pathOf(dir, LogFormat.segmentOf(location));
        long at = LogFormat.offsetOf(location) + LogFormat.RECORD_HEADER + 77;
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, at);
            one.put(0, (byte) (one.get(0) ^ 0x01)).rewind();
            ch.write(one, at);
        }
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
}
