package io.galleonfs.engine;

import static io.galleonfs.engine.TestSupport.BS;
import static io.galleonfs.engine.TestSupport.pattern;
import static io.galleonfs.engine.TestSupport.read;
import static io.galleonfs.engine.TestSupport.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CloneTest {
    private static final int BLOCKS = 64;

    @TempDir
    Path tmp;

    @Test
    void cloneOfLiveVolumeIsIndependent() throws Exception {
        Path root = tmp.resolve("root");
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume source = engine.create(UUID.randomUUID(), (long) BLOCKS * BS, false);
            byte[] original = new byte[BLOCKS * BS];
            byte[] data = pattern(1, 10 * BS + 77);
            System.arraycopy(data, 0, original, 3 * BS, data.length);
            write(source, 3L * BS, data);

            Volume clone = engine.cloneVolume(source.id(), null, UUID.randomUUID());
            assertEquals(source.sizeBytes(), clone.sizeBytes());
            assertArrayEquals(original, read(clone, 0, original.length));
            // Thin: only the written blocks were copied.
            assertEquals(11L * BS, TestSupport.usage(clone).allocatedBytes());

            write(clone, 0, pattern(2, 5 * BS));
            write(source, 20L * BS, pattern(3, BS));
            byte[] cloneExpected = original.clone();
            System.arraycopy(pattern(2, 5 * BS), 0, cloneExpected, 0, 5 * BS);
            assertArrayEquals(cloneExpected, read(clone, 0, original.length), "clone unaffected by source writes");
            assertArrayEquals(withBlock(original, 20, pattern(3, BS)), read(source, 0, original.length));
        }
    }

    private static byte[] withBlock(byte[] image, int block, byte[] data) {
        byte[] out = image.clone();
        System.arraycopy(data, 0, out, block * BS, data.length);
        return out;
    }

    @Test
    void cloneOfSnapshotOfEncryptedVolumeUsesNewKey() throws Exception {
        Path root = tmp.resolve("root");
        UUID sourceId = UUID.randomUUID();
        UUID cloneId = UUID.randomUUID();
        byte[] atSnapshot = pattern(4, BLOCKS * BS);
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume source = engine.create(sourceId, (long) BLOCKS * BS, true);
            write(source, 0, atSnapshot);
            source.createSnapshot("snap");
            write(source, 0, pattern(5, BLOCKS * BS));
            Volume clone = engine.cloneVolume(sourceId, "snap", cloneId);
            assertTrue(clone.encrypted());
            assertArrayEquals(atSnapshot, read(clone, 0, atSnapshot.length));
            assertTrue(clone.snapshots().isEmpty());
            source.deleteSnapshot("snap");
            assertArrayEquals(atSnapshot, read(clone, 0, atSnapshot.length));
            assertThrows(NoSuchSnapshotException.class, () -> engine.cloneVolume(sourceId, "missing", UUID.randomUUID()));
            assertThrows(VolumeExistsException.class, () -> engine.cloneVolume(sourceId, null, cloneId));
            assertThrows(NoSuchVolumeException.class, () -> engine.cloneVolume(UUID.randomUUID(), null, UUID.randomUUID()));
            assertEquals(2, engine.volumeIds().size());
        }
        VolumeDescriptor s = VolumeDescriptorCodec.read(root.resolve("volumes").resolve(sourceId.toString()).resolve("volume.meta"));
        VolumeDescriptor c = VolumeDescriptorCodec.read(root.resolve("volumes").resolve(cloneId.toString()).resolve("volume.meta"));
        assertFalse(Arrays.equals(s.wrappedKey(), c.wrappedKey()));
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            assertArrayEquals(atSnapshot, read(engine.find(cloneId).orElseThrow(), 0, atSnapshot.length));
            assertArrayEquals(pattern(5, BLOCKS * BS), read(engine.find(sourceId).orElseThrow(), 0, BLOCKS * BS));
        }
    }
}
