package io.galleonfs.engine.lsm;

import static io.galleonfs.engine.lsm.LsmTestSupport.pattern;
import static io.galleonfs.engine.lsm.LsmTestSupport.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Multi-block reads of log-store volumes (records read by runs, one pread per run: {@link LogStore#readBlocks},
 * {@link LogStore#readSealedBlocks}) give exactly what block-by-block reads give, plain and encrypted, live and from a
 * snapshot, across multi-block writes, rewrites, trims, partial writes and never-written blocks.
 */
class LogVolumeRangeReadTest {
    private static final int BS = LsmTestSupport.BS;
    private static final int BLOCKS = 300;

    @TempDir
    Path tmp;

    private LogEngine open(long cacheBytes) throws IOException {
        return (LogEngine) BlockEngine.open(EngineConfig.defaults(tmp.resolve("root"), BS,
                FileKeyProvider.openOrCreate(tmp.resolve("key"))).withFormat(StorageFormat.LOG_V1)
                .withReadCache(cacheBytes));
    }

    /** Writes a volume's history: one 200-block write (back-to-back records), rewrites, a trim, a partial write. */
    private static byte[] fill(Volume v) throws IOException {
        byte[] expected = new byte[BLOCKS * BS];
        byte[] bulk = pattern(1, 200 * BS);
        v.write(0, ByteBuffer.wrap(bulk), WriteConcern.DURABLE);
        System.arraycopy(bulk, 0, expected, 0, bulk.length);
        for (int b : new int[] {3, 64, 65, 130, 199}) {
            byte[] again = pattern(100 + b, BS);
            v.write((long) b * BS, ByteBuffer.wrap(again), WriteConcern.ACKNOWLEDGED);
            System.arraycopy(again, 0, expected, b * BS, BS);
        }
        v.trim(90L * BS, 5L * BS);
        Arrays.fill(expected, 90 * BS, 95 * BS, (byte) 0);
        byte[] part = pattern(7, 300);
        v.write(150L * BS + 11, ByteBuffer.wrap(part), WriteConcern.ACKNOWLEDGED);
        System.arraycopy(part, 0, expected, 150 * BS + 11, part.length);
        return expected; // blocks 200.. were never written
    }

    private static byte[] blockByBlock(Volume v, String snapshot) throws IOException {
        byte[] all = new byte[BLOCKS * BS];
        for (int b = 0; b < BLOCKS; b++) {
            ByteBuffer one = ByteBuffer.wrap(all, b * BS, BS);
            if (snapshot == null) {
                v.read((long) b * BS, one);
            } else {
                v.readSnapshot(snapshot, (long) b * BS, one);
            }
        }
        return all;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void rangeReadsGiveWhatBlockByBlockReadsGive(boolean encrypted) throws IOException {
        try (LogEngine engine = open(0)) {
            Volume v = engine.create(UUID.randomUUID(), (long) BLOCKS * BS, encrypted);
            byte[] expected = fill(v);
            v.createSnapshot("s");
            byte[] later = pattern(9, 40 * BS); // after the snapshot: must not be seen through it
            v.write(20L * BS, ByteBuffer.wrap(later), WriteConcern.ACKNOWLEDGED);
            byte[] live = expected.clone();
            System.arraycopy(later, 0, live, 20 * BS, later.length);

            assertArrayEquals(live, blockByBlock(v, null), "block by block, live");
            assertArrayEquals(expected, blockByBlock(v, "s"), "block by block, snapshot");
            assertArrayEquals(live, read(v, 0, BLOCKS * BS), "one range, live");
            ByteBuffer direct = ByteBuffer.allocateDirect(BLOCKS * BS);
            v.readSnapshot("s", 0, direct);
            byte[] snap = new byte[BLOCKS * BS];
            direct.flip().get(snap);
            assertArrayEquals(expected, snap, "one range, snapshot, into a direct buffer");
            // unaligned start and end: partial edge blocks around whole blocks read by runs
            assertArrayEquals(Arrays.copyOfRange(live, 5 * BS + 100, 170 * BS + 7),
                    read(v, 5L * BS + 100, 165 * BS - 93), "an unaligned range");
            ByteBuffer verified = ByteBuffer.allocate(BLOCKS * BS);
            v.readVerified(0, verified);
            assertArrayEquals(live, verified.array(), "verified read");
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aCorruptedBlockInsideARunFailsWithItsChecksumError(boolean encrypted) throws IOException {
        UUID id = UUID.randomUUID();
        try (LogEngine engine = open(0)) {
            Volume v = engine.create(id, 64L * BS, encrypted);
            v.write(0, ByteBuffer.wrap(pattern(3, 32 * BS)), WriteConcern.DURABLE);
        }
        Path storeDir = tmp.resolve("root").resolve(LogEngine.STORE_DIR);
        long location;
        try (LogStore store = LogStore.open(new LogStoreConfig(storeDir, BS, LogStoreConfig.DEFAULT_SEGMENT_BYTES,
                LogStoreConfig.DEFAULT_CHECKPOINT_BYTES))) {
            location = store.locationOf(id, 17);
        }
        // a byte of block 17's ciphertext or data (past the header and, when sealed, the nonce and tag)
        long at = LogFormat.offsetOf(location) + LogFormat.RECORD_HEADER + (encrypted ? LogFormat.SEALED_PREFIX : 0) + 99;
        LsmTestSupport.flipByte(Segment.pathOf(storeDir, LogFormat.segmentOf(location)), at, 0x10);
        try (LogEngine engine = open(0)) {
            Volume v = engine.find(id).orElseThrow();
            ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class,
                    () -> read(v, 0, 32 * BS));
            assertEquals(17, e.block(), "the corrupted block, not the run");
            assertArrayEquals(Arrays.copyOfRange(pattern(3, 32 * BS), 0, 17 * BS), read(v, 0, 17 * BS),
                    "the blocks before it");
        }
    }

    @org.junit.jupiter.api.Test
    void anEncryptedRangeReadUsesAndFillsTheCacheOfDecryptedBlocks() throws IOException {
        try (LogEngine engine = open(4 << 20)) {
            Volume v = engine.create(UUID.randomUUID(), 128L * BS, true);
            byte[] data = pattern(5, 64 * BS);
            v.write(0, ByteBuffer.wrap(data), WriteConcern.DURABLE);
            assertArrayEquals(Arrays.copyOfRange(data, 10 * BS, 12 * BS), read(v, 10L * BS, 2 * BS));
            assertEquals(new ReadCacheStats(0, 2), v.readCacheStats(), "two blocks decrypted and cached");
            byte[] all = new byte[128 * BS];
            System.arraycopy(data, 0, all, 0, data.length);
            assertArrayEquals(all, read(v, 0, 128 * BS), "hits and misses mixed in one range");
            assertEquals(new ReadCacheStats(2, 64), v.readCacheStats(),
                    "the two cached blocks hit, the 62 others missed, the never-written 64 are neither");
            assertArrayEquals(all, read(v, 0, 128 * BS));
            assertEquals(new ReadCacheStats(66, 64), v.readCacheStats(), "a second read hits every written block");
        }
    }
}
