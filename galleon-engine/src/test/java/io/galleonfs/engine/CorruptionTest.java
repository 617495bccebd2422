package io.galleonfs.engine;

import static io.galleonfs.engine.TestSupport.BS;
import static io.galleonfs.engine.TestSupport.pattern;
import static io.galleonfs.engine.TestSupport.read;
import static io.galleonfs.engine.TestSupport.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorruptionTest {
    @TempDir
    Path tmp;

    private static void flipByte(Path file, long position) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, position);
            b.put(0, (byte) (b.get(0) ^ 0x5A)).rewind();
            ch.write(b, position);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void flippedByteIsDetectedOnReadAndByVerify(boolean encrypted) throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        byte[] data = pattern(1, 16 * BS);
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            write(engine.create(id, 32L * BS, encrypted), 0, data);
        }
        flipByte(root.resolve("volumes").resolve(id.toString()).resolve("layer-1.data"), 5L * BS + 100);
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.find(id).orElseThrow();
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 4 * BS, 5 * BS), read(v, 4L * BS, BS));
            ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class, () -> read(v, 5L * BS, BS));
            assertEquals("checksum mismatch in volume " + id + " block 5", e.getMessage());
            assertEquals(5, e.block());
            assertEquals(id, e.volume());
            assertThrows(ChecksumMismatchException.class, () -> read(v, 5L * BS + 99, 2));
            ByteBuffer span = ByteBuffer.allocate(3 * BS);
            assertThrows(ChecksumMismatchException.class, () -> v.read(4L * BS, span));
            // The bad bytes never reach the caller's buffer.
            assertArrayEquals(new byte[BS], java.util.Arrays.copyOfRange(span.array(), BS, 2 * BS));

            VerifyReport report = v.verify();
            assertEquals(16, report.blocksChecked());
            assertEquals(List.of(5L), report.badBlocks());
            assertTrue(!report.healthy());

            // Overwriting the block heals it.
            write(v, 5L * BS, pattern(2, BS));
            assertArrayEquals(pattern(2, BS), read(v, 5L * BS, BS));
            ((VolumeImpl) v).awaitApplied();
            assertTrue(v.verify().healthy());
        }
    }

    @Test
    void corruptLayerIndexFailsTheOpenLoudly() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            write(engine.create(id, 32L * BS, false), 0, pattern(1, 4 * BS));
        }
        flipByte(root.resolve("volumes").resolve(id.toString()).resolve("layer-1.idx"), 30);
        EngineException e = assertThrows(EngineException.class, () -> LayerEngine.open(TestSupport.config(root)).close());
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    void corruptDescriptorFailsTheOpenLoudly() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            engine.create(id, 32L * BS, false);
        }
        flipByte(root.resolve("volumes").resolve(id.toString()).resolve("volume.meta"), 20);
        EngineException e = assertThrows(EngineException.class, () -> LayerEngine.open(TestSupport.config(root)).close());
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    void corruptSnapshotBlockIsReportedForSnapshotReads() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.create(id, 32L * BS, false);
            write(v, 0, pattern(1, 4 * BS));
            v.createSnapshot("s");
            write(v, 0, pattern(2, 4 * BS));
        }
        flipByte(root.resolve("volumes").resolve(id.toString()).resolve("layer-1.data"), 2L * BS);
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.find(id).orElseThrow();
            assertArrayEquals(pattern(2, 4 * BS), read(v, 0, 4 * BS));
            assertThrows(ChecksumMismatchException.class, () -> TestSupport.readSnapshot(v, "s", 2L * BS, 1));
            assertEquals(List.of(2L), v.verify().badBlocks());
        }
    }
}
