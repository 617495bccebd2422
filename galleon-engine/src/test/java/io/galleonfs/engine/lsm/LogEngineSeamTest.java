package io.galleonfs.engine.lsm;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.EngineException;
import io.galleonfs.engine.EngineStats;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.engine.KeyProvider;
import io.galleonfs.engine.MasterKeyRotation;
import io.galleonfs.engine.SpaceStats;
import io.galleonfs.engine.StorageFormat;
import io.galleonfs.engine.Volume;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log store behind the node's {@link BlockEngine} seam: format, master keys, figures. */
class LogEngineSeamTest {
    private static final int BS = 4096;

    @TempDir
    Path tmp;

    private BlockEngine open(KeyProvider keys) throws IOException {
        return BlockEngine.open(new EngineConfig(tmp.resolve("engine"), BS, 8L << 20, 16L << 20, keys)
                .withReserve(1 << 20).withFormat(StorageFormat.LOG_V1));
    }

    private static byte[] pattern(long seed) {
        byte[] b = new byte[BS];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] read(Volume v, long offset) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(BS);
        v.read(offset, b);
        return b.array();
    }

    @Test
    void rotatesMasterKeysOfVolumesAndClonesAndEverythingReadsAfterReopen() throws Exception {
        Path keyFile = tmp.resolve("keys").resolve("master.key");
        UUID a = UUID.randomUUID();
        UUID plain = UUID.randomUUID();
        UUID clone = UUID.randomUUID();
        String oldKey;
        String newKey;
        try (BlockEngine engine = open(FileKeyProvider.openOrCreate(keyFile))) {
            assertEquals(StorageFormat.LOG_V1, engine.format());
            Volume v = engine.create(a, 64L * BS, true);
            v.write(0, ByteBuffer.wrap(pattern(1)), WriteConcern.DURABLE);
            v.createSnapshot("s1");
            engine.create(plain, 64L * BS, false).write(BS, ByteBuffer.wrap(pattern(2)), WriteConcern.DURABLE);
            engine.cloneVolume(a, "s1", clone);
            oldKey = engine.keyStatus().currentKeyId();
            assertEquals(Map.of(oldKey, 2), engine.keyStatus().volumesByKeyId());

            MasterKeyRotation r = engine.rotateMasterKey();
            newKey = r.newKeyId();
            assertNotEquals(oldKey, newKey);
            assertEquals(2, r.rewrapped(), "the volume and its clone; the plain volume has no key");
            assertEquals(List.of(oldKey), r.retiredKeyIds());
            assertEquals(Map.of(newKey, 2), engine.keyStatus().volumesByKeyId());
            assertArrayEquals(pattern(1), read(v, 0), "I/O goes on with the same data key");
            assertEquals(List.of(oldKey), engine.destroyRetiredKeys());
        }
        try (BlockEngine engine = open(FileKeyProvider.openOrCreate(keyFile))) {
            assertEquals(List.of(newKey), engine.keyStatus().heldKeyIds());
            assertArrayEquals(pattern(1), read(engine.find(a).orElseThrow(), 0));
            assertArrayEquals(pattern(1), read(engine.find(clone).orElseThrow(), 0));
            assertArrayEquals(pattern(2), read(engine.find(plain).orElseThrow(), BS));
        }
    }

    @Test
    void destroyingRetiredKeysIsRefusedWhileAVolumeIsWrappedByOne() throws Exception {
        Path keyFile = tmp.resolve("keys").resolve("master.key");
        UUID a = UUID.randomUUID();
        try (BlockEngine engine = open(FileKeyProvider.openOrCreate(keyFile))) {
            engine.create(a, 16L * BS, true).write(0, ByteBuffer.wrap(pattern(5)), WriteConcern.DURABLE);
        }
        // A rotation whose rewrapping never ran (as after a crash right after the new key was published): the provider
        // has a new current key and the descriptor still names the old one.
        FileKeyProvider keys = FileKeyProvider.openOrCreate(keyFile);
        String old = keys.id();
        keys.rotate();
        try (BlockEngine engine = BlockEngine.open(new EngineConfig(tmp.resolve("engine"), BS, 8L << 20, 16L << 20, keys)
                .withFormat(StorageFormat.LOG_V1))) {
            // open finished the interrupted rotation
            assertEquals(Map.of(keys.id(), 1), engine.keyStatus().volumesByKeyId());
            assertArrayEquals(pattern(5), read(engine.find(a).orElseThrow(), 0));
            assertEquals(List.of(old), engine.destroyRetiredKeys());
        }
    }

    @Test
    void rotationWithoutAProviderIsOneLine() throws Exception {
        try (BlockEngine engine = open(null)) {
            EngineException e = assertThrows(EngineException.class, engine::rotateMasterKey);
            assertEquals("no key provider is configured", e.getMessage());
            assertFalse(engine.keyStatus().rotatable());
        }
    }

    @Test
    void statsAndSpaceDescribeTheLog() throws Exception {
        try (BlockEngine engine = open(null)) {
            Volume v = engine.create(UUID.randomUUID(), 256L * BS, false);
            for (int i = 0; i < 32; i++) {
                v.write((long) i * BS, ByteBuffer.wrap(pattern(i)), WriteConcern.DURABLE);
            }
            EngineStats s = engine.stats();
            assertEquals(1, s.volumes());
            assertTrue(s.durableWrites() >= 32, s.toString());
            assertTrue(s.fsyncs() >= 1 && s.fsyncs() <= 32, s.toString());
            assertTrue(s.journalBytes() >= 32L * BS, s.toString());
            assertTrue(s.bytesOnDisk() >= 32L * BS, s.toString());
            SpaceStats space = engine.space();
            assertTrue(space.availableBytes() > 0, space.toString());
            assertEquals(1 << 20, space.reservedBytes());
            assertFalse(space.writesRefused());
        }
        assertTrue(Files.exists(tmp.resolve("engine").resolve("store")));
    }

    /** Writes pattern 2 at {@code offset}; true if the engine refused it for lack of space. */
    private static boolean refused(Volume v, long offset) throws IOException {
        try {
            v.write(offset, ByteBuffer.wrap(pattern(2)), WriteConcern.DURABLE);
            return false;
        } catch (io.galleonfs.engine.OutOfSpaceException e) {
            return true;
        }
    }

    @Test
    void nearAFullDiskClientWritesAreRefusedAndAdmittedAgainOnceSpaceReturns() throws Exception {
        java.util.concurrent.atomic.AtomicLong free = new java.util.concurrent.atomic.AtomicLong(1L << 40);
        long reserve = 64L << 20;
        try (BlockEngine engine = BlockEngine.open(new EngineConfig(tmp.resolve("engine"), BS, 8L << 20, 16L << 20, null,
                reserve, free::get).withFormat(StorageFormat.LOG_V1))) {
            Volume v = engine.create(UUID.randomUUID(), 256L * BS, false);
            v.write(0, ByteBuffer.wrap(pattern(1)), WriteConcern.DURABLE);
            // the reserve plus less than one 64 MiB segment left: client writes are refused (the guard samples free
            // space at most every 2 ms, so the first refusal may take a few writes)
            free.set(reserve + (32L << 20));
            await().atMost(Duration.ofSeconds(5)).until(() -> refused(v, 2L * BS));
            io.galleonfs.engine.OutOfSpaceException e = assertThrows(io.galleonfs.engine.OutOfSpaceException.class,
                    () -> v.write(BS, ByteBuffer.wrap(pattern(2)), WriteConcern.DURABLE));
            assertTrue(e.getMessage().startsWith("no space left for writes"), e.getMessage());
            assertTrue(engine.space().writesRefused());
            assertArrayEquals(new byte[BS], read(v, BS), "the refused write left nothing behind");
            assertArrayEquals(pattern(1), read(v, 0), "reads go on");
            free.set(1L << 40);
            await().atMost(Duration.ofSeconds(5)).until(() -> !refused(v, BS));
            assertFalse(engine.space().writesRefused());
            assertArrayEquals(pattern(2), read(v, BS));
            assertTrue(((LogEngine) engine).cleanerCounters().isPresent(), "the node's log engine runs a cleaner");
        }
    }
}
