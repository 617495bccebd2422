package io.galleonfs.engine;

import static io.galleonfs.engine.TestSupport.BS;
import static io.galleonfs.engine.TestSupport.pattern;
import static io.galleonfs.engine.TestSupport.read;
import static io.galleonfs.engine.TestSupport.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache of decrypted blocks never serves a stale version: overwrite, trim, snapshot reads and restore all read what
 * the volume holds, served from the cache where the version is cached; scrub's verified read still sees the disk.
 */
class DecryptedBlockCacheTest {
    @TempDir
    Path tmp;

    @Test
    void repeatedReadsHitAndEveryVersionChangeReadsTheNewContent() throws Exception {
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(tmp.resolve("root")))) {
            Volume v = engine.create(UUID.randomUUID(), 64L * BS, true);
            byte[] first = pattern(1, 8 * BS);
            write(v, 0, first);
            ((VolumeImpl) v).awaitApplied();
            assertArrayEquals(first, read(v, 0, 8 * BS));
            assertEquals(new ReadCacheStats(0, 8), v.readCacheStats(), "first read decrypts each block");
            assertArrayEquals(first, read(v, 0, 8 * BS));
            assertArrayEquals(Arrays.copyOfRange(first, BS + 10, BS + 30), read(v, BS + 10, 20));
            assertEquals(new ReadCacheStats(9, 8), v.readCacheStats(), "later reads, partial ones too, are hits");

            v.createSnapshot("s");
            byte[] second = pattern(2, 2 * BS);
            write(v, 2L * BS, second);
            ((VolumeImpl) v).awaitApplied();
            assertArrayEquals(second, read(v, 2L * BS, 2 * BS), "an overwritten block reads its new content");
            assertArrayEquals(Arrays.copyOfRange(first, 2 * BS, 4 * BS), TestSupport.readSnapshot(v, "s", 2L * BS, 2 * BS));

            v.trim(4L * BS, BS);
            assertArrayEquals(new byte[BS], read(v, 4L * BS, BS), "a trimmed block reads zeros, not its cached version");

            v.restore("s");
            assertArrayEquals(first, read(v, 0, 8 * BS), "after restore the snapshot's versions are read again");
        }
    }

    @Test
    void aCachedBlockThatRotsOnDiskIsStillFoundByTheVerifiedRead() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.create(id, 32L * BS, true);
            byte[] data = pattern(3, 4 * BS);
            write(v, 0, data);
            v.flush();
            ((VolumeImpl) v).awaitApplied();
            assertArrayEquals(data, read(v, 0, 4 * BS));
            try (FileChannel ch = FileChannel.open(root.resolve("volumes").resolve(id.toString()).resolve("layer-1.data"),
                    StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.allocate(1);
                ch.read(b, 2L * BS + 7);
                b.put(0, (byte) (b.get(0) ^ 0x5A)).rewind();
                ch.write(b, 2L * BS + 7);
            }
            assertArrayEquals(data, read(v, 0, 4 * BS), "the cache serves the bytes verified when they were read");
            ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class,
                    () -> v.readVerified(2L * BS, ByteBuffer.allocate(BS)));
            assertEquals(2, e.block());
        }
    }

    @Test
    void plainVolumesAndAZeroBoundDoNotCache() throws Exception {
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(tmp.resolve("plain")))) {
            Volume v = engine.create(UUID.randomUUID(), 16L * BS, false);
            write(v, 0, pattern(4, BS));
            read(v, 0, BS);
            read(v, 0, BS);
            assertEquals(ReadCacheStats.NONE, v.readCacheStats());
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(tmp.resolve("off")).withReadCache(0))) {
            Volume v = engine.create(UUID.randomUUID(), 16L * BS, true);
            write(v, 0, pattern(5, BS));
            ((VolumeImpl) v).awaitApplied();
            assertArrayEquals(pattern(5, BS), read(v, 0, BS));
            assertArrayEquals(pattern(5, BS), read(v, 0, BS));
            assertEquals(ReadCacheStats.NONE, v.readCacheStats());
        }
    }
}
