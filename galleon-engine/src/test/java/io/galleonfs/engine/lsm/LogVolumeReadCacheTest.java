package io.galleonfs.engine.lsm;

import static io.galleonfs.engine.lsm.LsmTestSupport.pattern;
import static io.galleonfs.engine.lsm.LsmTestSupport.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.ChecksumMismatchException;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.engine.ReadCacheStats;
import io.galleonfs.engine.StorageFormat;
import io.galleonfs.engine.Volume;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log store's cache of decrypted blocks (keyed by the record's location) never serves a stale version: overwrite,
 * trim, snapshot restore, a clone and a cleaner move all read what the volume holds; scrub's verified read still sees
 * the disk; plain volumes and a zero bound do not cache.
 */
class LogVolumeReadCacheTest {
    private static final int BS = LsmTestSupport.BS;

    @TempDir
    Path tmp;

    private LogEngine open(String root, long cacheBytes) throws IOException {
        return (LogEngine) BlockEngine.open(EngineConfig.defaults(tmp.resolve(root), BS, FileKeyProvider.openOrCreate(tmp.resolve("key")))
                .withFormat(StorageFormat.LOG_V1).withReadCache(cacheBytes));
    }

    private static void write(Volume v, long offset, byte[] data) throws IOException {
        v.write(offset, ByteBuffer.wrap(data), WriteConcern.DURABLE);
    }

    @Test
    void repeatedReadsHitAndEveryVersionChangeReadsTheNewContent() throws Exception {
        try (LogEngine engine = open("root", 1 << 20)) {
            Volume v = engine.create(UUID.randomUUID(), 64L * BS, true);
            byte[] first = pattern(1, 8 * BS);
            write(v, 0, first);
            assertArrayEquals(first, read(v, 0, 8 * BS));
            assertEquals(new ReadCacheStats(0, 8), v.readCacheStats(), "first read decrypts each block");
            assertArrayEquals(new byte[BS], read(v, 20L * BS, BS));
            assertEquals(new ReadCacheStats(0, 8), v.readCacheStats(), "a never-written block is neither a hit nor a miss");
            assertArrayEquals(first, read(v, 0, 8 * BS));
            assertArrayEquals(Arrays.copyOfRange(first, BS + 10, BS + 30), read(v, BS + 10, 20));
            assertEquals(new ReadCacheStats(9, 8), v.readCacheStats(), "later reads, partial ones too, are hits");

            v.createSnapshot("s");
            byte[] second = pattern(2, 2 * BS);
            write(v, 2L * BS, second);
            assertArrayEquals(second, read(v, 2L * BS, 2 * BS), "an overwritten block reads its new content");
            byte[] snap = new byte[2 * BS];
            v.readSnapshot("s", 2L * BS, ByteBuffer.wrap(snap));
            assertArrayEquals(Arrays.copyOfRange(first, 2 * BS, 4 * BS), snap);

            byte[] part = pattern(3, 100);
            write(v, 5L * BS + 7, part); // read-modify-write through the cache
            byte[] expected5 = Arrays.copyOfRange(first, 5 * BS, 6 * BS);
            System.arraycopy(part, 0, expected5, 7, part.length);
            assertArrayEquals(expected5, read(v, 5L * BS, BS), "a partial write merges into the current version");

            v.trim(4L * BS, BS);
            assertArrayEquals(new byte[BS], read(v, 4L * BS, BS), "a trimmed block reads zeros, not its cached version");

            v.restore("s");
            assertArrayEquals(first, read(v, 0, 8 * BS), "after restore the snapshot's versions are read again");

            UUID cloneId = UUID.randomUUID();
            Volume clone = engine.cloneVolume(v.id(), null, cloneId);
            write(clone, 0, second);
            assertArrayEquals(second, read(clone, 0, 2 * BS));
            assertArrayEquals(first, read(v, 0, 8 * BS), "a clone's write does not show through its source's cache");
        }
    }

    @Test
    void aBlockTheCleanerMovedReadsTheSameBytesFromItsNewPlace() throws Exception {
        // 1 MiB segments (the node's are 64 MiB), so the kept blocks' segment is sealed and mostly garbage.
        try (LogEngine engine = LogEngine.open(tmp.resolve("small"), BS, 1L << 20, 1L << 40, FileKeyProvider.openOrCreate(tmp.resolve("key")))) {
            engine.useReadCache(1 << 20);
            Volume v = engine.create(UUID.randomUUID(), 1024L * BS, true);
            byte[] keep = pattern(4, 4 * BS);
            write(v, 0, keep);
            assertArrayEquals(keep, read(v, 0, 4 * BS));
            long before = engine.store().locationOf(v.id(), 1);
            for (int round = 0; round < 3; round++) { // garbage around the kept blocks, so their segment gets cleaned
                write(v, 64L * BS, pattern(10 + round, 512 * BS));
            }
            engine.store().clean(0.99);
            long after = engine.store().locationOf(v.id(), 1);
            assertNotEquals(before, after, "the cleaner moved block 1");
            ReadCacheStats stats = v.readCacheStats();
            assertArrayEquals(keep, read(v, 0, 4 * BS));
            assertEquals(stats.misses() + 4, v.readCacheStats().misses(), "a moved block is a new version: decrypted again");
        }
    }

    @Test
    void aCachedBlockThatRotsOnDiskIsStillFoundByTheVerifiedRead() throws Exception {
        try (LogEngine engine = open("root", 1 << 20)) {
            Volume v = engine.create(UUID.randomUUID(), 32L * BS, true);
            byte[] data = pattern(5, 4 * BS);
            write(v, 0, data);
            assertArrayEquals(data, read(v, 0, 4 * BS));
            long location = engine.store().locationOf(v.id(), 2);
            Path segment = Segment.pathOf(tmp.resolve("root").resolve("store"), LogFormat.segmentOf(location));
            long pos = LogFormat.offsetOf(location) + LogFormat.RECORD_HEADER + LogFormat.SEALED_PREFIX + 7;
            try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer one = ByteBuffer.allocate(1);
                ch.read(one, pos);
                one.put(0, (byte) (one.get(0) ^ 0x5A)).rewind();
                ch.write(one, pos);
            }
            assertArrayEquals(data, read(v, 0, 4 * BS), "the cache serves the bytes verified when they were read");
            ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class,
                    () -> v.readVerified(2L * BS, ByteBuffer.allocate(BS)));
            assertEquals(2, e.block());
            assertTrue(v.verify().badBlocks().contains(2L), "scrub reads the disk");
        }
    }

    @Test
    void plainVolumesAndAZeroBoundDoNotCache() throws Exception {
        try (LogEngine engine = open("plain", 1 << 20)) {
            Volume v = engine.create(UUID.randomUUID(), 16L * BS, false);
            write(v, 0, pattern(6, BS));
            read(v, 0, BS);
            read(v, 0, BS);
            assertEquals(ReadCacheStats.NONE, v.readCacheStats());
        }
        try (LogEngine engine = open("off", 0)) {
            Volume v = engine.create(UUID.randomUUID(), 16L * BS, true);
            write(v, 0, pattern(7, BS));
            assertArrayEquals(pattern(7, BS), read(v, 0, BS));
            assertArrayEquals(pattern(7, BS), read(v, 0, BS));
            assertEquals(ReadCacheStats.NONE, v.readCacheStats());
        }
    }
}
