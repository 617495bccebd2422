package io.galleonfs.engine.lsm;

import static io.galleonfs.engine.lsm.LsmTestSupport.pattern;
import static io.galleonfs.engine.lsm.LsmTestSupport.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.ChecksumMismatchException;
import io.galleonfs.engine.EngineException;
import io.galleonfs.engine.NoSuchVolumeException;
import io.galleonfs.engine.VerifyReport;
import io.galleonfs.engine.Volume;
import io.galleonfs.engine.VolumeExistsException;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log engine's own duties beside the shared volume behaviour ({@link LogVolumeTest}). */
class LogEngineTest {
    private static final int BS = LsmTestSupport.BS;

    @TempDir
    Path root;

    private LogEngine open() throws IOException {
        return LogEngine.open(root, BS, 1L << 20, 1L << 40, null);
    }

    @Test
    void deleteForgetsTheVolumeAndTheSameIdStartsEmpty() throws IOException {
        UUID id = UUID.randomUUID();
        try (LogEngine engine = open()) {
            Volume v = engine.create(id, 16L * BS, false);
            v.write(0, ByteBuffer.wrap(pattern(1, 4 * BS)), WriteConcern.ACKNOWLEDGED);
            v.createSnapshot("s");
            assertThrows(VolumeExistsException.class, () -> engine.create(id, BS, false));
            assertThrows(IllegalArgumentException.class, () -> engine.create(UUID.randomUUID(), BS + 1, false));
            assertThrows(IllegalArgumentException.class, () -> engine.create(UUID.randomUUID(), 0, false));
            EngineException e = assertThrows(EngineException.class, () -> engine.create(UUID.randomUUID(), BS, true));
            assertTrue(e.getMessage().contains("key provider"), e.getMessage());
            engine.delete(id);
            assertThrows(EngineException.class, () -> read(v, 0, 1));
            assertThrows(NoSuchVolumeException.class, () -> engine.delete(id));
            assertTrue(engine.find(id).isEmpty());
            Volume again = engine.create(id, 16L * BS, false);
            assertArrayEquals(new byte[4 * BS], read(again, 0, 4 * BS), "nothing of the deleted incarnation leaks");
            assertTrue(again.snapshots().isEmpty());
        }
        try (LogEngine engine = open()) {
            assertEquals(Set.of(id), engine.volumeIds());
            assertArrayEquals(new byte[4 * BS], read(engine.find(id).orElseThrow(), 0, 4 * BS));
        }
    }

    @Test
    void durableWritesSurviveACrashAndBlocksWithoutADescriptorAreDropped() throws IOException {
        UUID id = UUID.randomUUID();
        UUID clone = UUID.randomUUID();
        byte[] data = pattern(2, 3 * BS + 100);
        try (LogEngine engine = open()) {
            Volume v = engine.create(id, 64L * BS, false);
            v.write(BS + 7, ByteBuffer.wrap(data), WriteConcern.DURABLE);
            engine.cloneVolume(id, null, clone);
            engine.store().crash(); // kill -9: no checkpoint
        }
        // A clone whose descriptor never got written (a crash between the clone record and the descriptor).
        Files.delete(VolumeDescriptorFile.pathOf(root.resolve("volumes"), clone));
        try (LogEngine engine = open()) {
            assertEquals(Set.of(id), engine.volumeIds());
            assertArrayEquals(data, read(engine.find(id).orElseThrow(), BS + 7, data.length));
            assertFalse(engine.store().hasVolume(clone), "the orphaned clone's blocks were dropped");
        }
    }

    @Test
    void verifyAndReadsFindAFlippedByte() throws IOException {
        UUID id = UUID.randomUUID();
        long location;
        try (LogEngine engine = open()) {
            Volume v = engine.create(id, 16L * BS, false);
            v.write(0, ByteBuffer.wrap(pattern(3, 4 * BS)), WriteConcern.DURABLE);
            v.createSnapshot("s");
            v.write(2L * BS, ByteBuffer.wrap(pattern(4, BS)), WriteConcern.DURABLE);
            assertTrue(v.verify().healthy());
            assertEquals(5, v.verify().blocksChecked(), "4 blocks of s's time and the new block 2");
            location = engine.store().locationOf(id, 1);
        }
        Path segment = Segment.pathOf(root.resolve("store"), LogFormat.segmentOf(location));
        long at = LogFormat.offsetOf(location) + LogFormat.RECORD_HEADER + 99;
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, at);
            one.put(0, (byte) (one.get(0) ^ 1)).rewind();
            ch.write(one, at);
        }
        try (LogEngine engine = open()) {
            Volume v = engine.find(id).orElseThrow();
            VerifyReport report = v.verify();
            assertEquals(List.of(1L), report.badBlocks());
            assertThrows(ChecksumMismatchException.class, () -> read(v, BS, 10));
            assertThrows(ChecksumMismatchException.class, () -> v.write(BS + 5, ByteBuffer.wrap(new byte[3]),
                    WriteConcern.DURABLE), "a partial write does not build on bad bytes");
            v.write(BS, ByteBuffer.wrap(pattern(5, BS)), WriteConcern.DURABLE); // a whole-block rewrite repairs
            assertArrayEquals(pattern(5, BS), read(v, BS, BS));
            assertEquals(List.of(1L), v.verify().badBlocks(), "snapshot s still references the bad record");
        }
    }
}
