package io.galleonfs.engine;

import static io.galleonfs.engine.TestSupport.BS;
import static io.galleonfs.engine.TestSupport.pattern;
import static io.galleonfs.engine.TestSupport.read;
import static io.galleonfs.engine.TestSupport.readSnapshot;
import static io.galleonfs.engine.TestSupport.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrimExpandTest {
    @TempDir
    Path tmp;

    @Test
    void thinVolumeAllocatesOnlyWrittenBlocks() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.create(id, 1L << 30, false);
            assertTrue(engine.stats().bytesOnDisk() < 64 << 10, "empty 1 GiB volume takes " + engine.stats().bytesOnDisk());
            for (int i = 0; i < 16; i++) {
                write(v, (long) i * (64 << 20) + 12345, pattern(i, 100));
            }
            v.flush();
            assertEquals(16L * BS, TestSupport.usage(v).allocatedBytes());
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            EngineStats stats = engine.stats();
            assertTrue(stats.bytesOnDisk() < 1 << 20, "16 sparse blocks take " + stats.bytesOnDisk());
            assertEquals(1, stats.volumes());
            Volume v = engine.find(id).orElseThrow();
            assertArrayEquals(pattern(3, 100), read(v, 3L * (64 << 20) + 12345, 100));
        }
    }

    @Test
    void trimFreesSpaceAndZeroesTheRange() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        byte[] model = pattern(1, 256 * BS);
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.create(id, model.length, false);
            write(v, 0, model);
            long diskBefore = TestSupport.volumeBytesOnDisk(root, v);
            assertEquals(256L * BS, TestSupport.usage(v).allocatedBytes());

            long offset = 10L * BS + 100;
            long length = 200L * BS;
            v.trim(offset, length);
            Arrays.fill(model, (int) offset, (int) (offset + length), (byte) 0);
            assertArrayEquals(model, read(v, 0, model.length));
            // Blocks 11..209 are whole inside the range; the edge blocks 10 and 210 are zero-filled writes.
            assertEquals((256L - 199) * BS, TestSupport.usage(v).allocatedBytes());
            long diskAfter = TestSupport.volumeBytesOnDisk(root, v);
            assertTrue(diskAfter < diskBefore - 150L * BS, diskBefore + " -> " + diskAfter);

            v.trim(BS + 1, 10);
            Arrays.fill(model, BS + 1, BS + 11, (byte) 0);
            write(v, 50L * BS, pattern(2, BS));
            System.arraycopy(pattern(2, BS), 0, model, 50 * BS, BS);
            assertArrayEquals(model, read(v, 0, model.length));
            assertTrue(v.verify().healthy());
            assertThrows(OutOfRangeException.class, () -> v.trim(255L * BS, 2L * BS));
            v.flush();
            engine.abandonForTest();
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            assertTrue(engine.recoveredRecords() > 0);
            assertArrayEquals(model, read(engine.find(id).orElseThrow(), 0, model.length));
        }
    }

    @Test
    void trimInLiveLayerHidesSnapshotDataWithoutTouchingTheSnapshot() throws Exception {
        Path root = tmp.resolve("root");
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            byte[] data = pattern(3, 32 * BS);
            Volume v = engine.create(UUID.randomUUID(), data.length, true);
            write(v, 0, data);
            v.createSnapshot("s");
            write(v, 0, pattern(4, 2 * BS));
            v.trim(0, 16L * BS);
            byte[] live = data.clone();
            Arrays.fill(live, 0, 16 * BS, (byte) 0);
            assertArrayEquals(live, read(v, 0, live.length));
            assertArrayEquals(data, readSnapshot(v, "s", 0, data.length));
            // Merging the snapshot into the live layer must keep the trimmed range zero.
            v.deleteSnapshot("s");
            assertArrayEquals(live, read(v, 0, live.length));
            assertEquals(16L * BS, TestSupport.usage(v).allocatedBytes());
            v.trim(0, live.length);
            assertArrayEquals(new byte[live.length], read(v, 0, live.length));
            assertEquals(0, TestSupport.usage(v).totalStoredBytes());
        }
    }
}
