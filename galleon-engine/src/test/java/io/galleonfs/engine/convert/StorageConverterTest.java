package io.galleonfs.engine.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.EngineException;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.engine.KeyProvider;
import io.galleonfs.engine.SnapshotInfo;
import io.galleonfs.engine.StorageFormat;
import io.galleonfs.engine.Volume;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StorageConverterTest {
    private static final int BS = 4096;
    private static final long SIZE = 256L * BS;

    @TempDir
    Path storage;

    private final List<String> lines = new ArrayList<>();

    private KeyProvider keys() throws IOException {
        return FileKeyProvider.openOrCreate(storage.resolve("keys").resolve("master.key"));
    }

    private BlockEngine open(String format) throws IOException {
        return BlockEngine.open(EngineConfig.defaults(storage.resolve("engine"), BS, keys()).withFormat(format));
    }

    private StorageConverter converter(String target, boolean keepOld) throws IOException {
        return new StorageConverter(storage, target, BS, keys(), keepOld, lines::add);
    }

    private static byte[] random(long seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    /**
     * Volume a: plain, snapshots s1 (writes), s2 (overwrites, a trim, a block of zeros), live changes after them; b:
     * encrypted with a snapshot; c: a clone of a@s1 with its own write; d: empty.
     */
    private void populate(String format) throws IOException {
        try (BlockEngine e = open(format)) {
            UUID a = new UUID(0, 1);
            Volume va = e.create(a, SIZE, false);
            va.write(0, ByteBuffer.wrap(random(1, 40 * BS)), WriteConcern.ACKNOWLEDGED);
            va.write(100L * BS + 7, ByteBuffer.wrap(random(2, 3 * BS)), WriteConcern.ACKNOWLEDGED);
            va.createSnapshot("s1");
            va.write(5L * BS, ByteBuffer.wrap(random(3, 10 * BS)), WriteConcern.ACKNOWLEDGED);
            va.trim(20L * BS, 8L * BS);
            va.write(30L * BS, ByteBuffer.wrap(new byte[BS]), WriteConcern.ACKNOWLEDGED);
            va.createSnapshot("s2");
            va.write(0, ByteBuffer.wrap(random(4, 2 * BS)), WriteConcern.ACKNOWLEDGED);
            va.trim(101L * BS, BS);
            va.write(200L * BS, ByteBuffer.wrap(random(5, 16 * BS)), WriteConcern.ACKNOWLEDGED);
            UUID b = new UUID(0, 2);
            Volume vb = e.create(b, SIZE, true);
            vb.write(BS, ByteBuffer.wrap(random(6, 12 * BS)), WriteConcern.ACKNOWLEDGED);
            vb.createSnapshot("daily");
            vb.write(3L * BS, ByteBuffer.wrap(random(7, BS)), WriteConcern.ACKNOWLEDGED);
            Volume vc = e.cloneVolume(a, "s1", new UUID(0, 3));
            vc.write(50L * BS, ByteBuffer.wrap(random(8, BS)), WriteConcern.ACKNOWLEDGED);
            e.create(new UUID(0, 4), SIZE, false);
            for (UUID id : e.volumeIds()) {
                e.find(id).orElseThrow().flush();
            }
        }
    }

    /** Every volume's live content and every snapshot's, by "id" and "id@snapshot", plus the encryption flags. */
    private Map<String, Object> content(String format) throws IOException {
        Map<String, Object> out = new TreeMap<>();
        try (BlockEngine e = open(format)) {
            for (UUID id : e.volumeIds()) {
                Volume v = e.find(id).orElseThrow();
                ByteBuffer live = ByteBuffer.allocate((int) v.sizeBytes());
                v.read(0, live);
                out.put(id.toString(), new Content(live.array()));
                out.put(id + " encrypted", v.encrypted());
                List<String> names = new ArrayList<>();
                for (SnapshotInfo s : v.snapshots()) {
                    ByteBuffer snap = ByteBuffer.allocate((int) v.sizeBytes());
                    v.readSnapshot(s.name(), 0, snap);
                    out.put(id + "@" + s.name(), new Content(snap.array()));
                    names.add(s.name());
                }
                out.put(id + " snapshots", names);
            }
        }
        return out;
    }

    /** Bytes with value equality, so whole maps of contents compare with assertEquals. */
    private record Content(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Content c && java.util.Arrays.equals(bytes, c.bytes);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Content[" + bytes.length + " bytes, hash " + hashCode() + "]";
        }
    }

    @Test
    void convertsLayersToLogAndBackKeepingVolumesSnapshotsClonesAndEncryption() throws Exception {
        populate(StorageFormat.LAYERS_V1);
        Map<String, Object> expected = content(StorageFormat.LAYERS_V1);
        assertEquals(List.of("s1", "s2"), expected.get(new UUID(0, 1) + " snapshots"));
        assertEquals(true, expected.get(new UUID(0, 2) + " encrypted"));

        StorageConverter.Result r = converter(StorageFormat.LOG_V1, false).convert();

        assertEquals(StorageFormat.LAYERS_V1, r.from());
        assertEquals(4, r.volumes());
        assertEquals(3, r.snapshots());
        assertNull(r.keptOld());
        assertEquals(StorageFormat.LOG_V1, StorageFormat.of(storage.resolve("engine")));
        assertFalse(Files.exists(storage.resolve(StorageConverter.STAGING)), "the old store is removed");
        assertFalse(Files.exists(storage.resolve("engine").resolve("journal")), "no layer engine files in the new root");
        assertFalse(Files.exists(storage.resolve("engine").resolve(StorageConverter.MARKER)));
        assertEquals(expected, content(StorageFormat.LOG_V1));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("volume " + new UUID(0, 1) + ": 2 snapshot(s), plain,")
                && l.endsWith("MB/s)")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("verified 4 volume(s)")), lines.toString());

        StorageConverter.Result back = converter(StorageFormat.LAYERS_V1, true).convert();

        assertEquals(storage.resolve("engine.old-log-v1"), back.keptOld());
        assertEquals(StorageFormat.LOG_V1, StorageFormat.of(back.keptOld()));
        assertEquals(StorageFormat.LAYERS_V1, StorageFormat.of(storage.resolve("engine")));
        assertEquals(expected, content(StorageFormat.LAYERS_V1));
    }

    @Test
    void onlyAllocatedBlocksAreWritten() throws Exception {
        try (BlockEngine e = open(StorageFormat.LAYERS_V1)) {
            e.create(UUID.randomUUID(), 1L << 30, false).write(512L << 20, ByteBuffer.wrap(random(9, 4 * BS)),
                    WriteConcern.DURABLE);
        }
        StorageConverter.Result r = converter(StorageFormat.LOG_V1, false).convert();
        assertEquals(4L * BS, r.bytesWritten(), "a 1 GiB thin volume with 16 KiB written costs 16 KiB");
    }

    /** Stands in for a crash: the converter cleans nothing up for an Error. */
    private static final class Crash extends Error {
    }

    @ParameterizedTest
    @EnumSource(StorageConverter.Step.class)
    void aCrashAtAnyStepLeavesOneCompleteFormatAndTheNextRunFinishes(StorageConverter.Step step) throws Exception {
        populate(StorageFormat.LAYERS_V1);
        Map<String, Object> expected = content(StorageFormat.LAYERS_V1);

        assertThrows(Crash.class, () -> converter(StorageFormat.LOG_V1, false).hooks(s -> {
            if (s == step) {
                throw new Crash();
            }
        }).convert());

        boolean switched = step == StorageConverter.Step.SWAPPED || step == StorageConverter.Step.MARKER_REMOVED;
        String format = StorageFormat.recorded(storage.resolve("engine"));
        assertEquals(switched ? StorageFormat.LOG_V1 : StorageFormat.LAYERS_V1, format);
        assertEquals(expected, content(format), "the root opens in its one format with every volume and snapshot");

        if (switched) {
            EngineException again = assertThrows(EngineException.class, () -> converter(StorageFormat.LOG_V1, false).convert());
            assertTrue(again.getMessage().contains("already in format log-v1"), again.getMessage());
            assertEquals(StorageFormat.LAYERS_V1, StorageFormat.of(storage.resolve("engine.old-layers-v1")),
                    "the old store the crashed run did not remove is kept, not deleted unasked");
        } else {
            converter(StorageFormat.LOG_V1, false).convert();
            assertTrue(lines.stream().anyMatch(l -> l.contains("did not finish")), lines.toString());
        }
        assertFalse(Files.exists(storage.resolve(StorageConverter.STAGING)));
        assertFalse(Files.exists(storage.resolve("engine").resolve(StorageConverter.MARKER)));
        assertEquals(expected, content(StorageFormat.LOG_V1));
    }

    @Test
    void refusesWithOneLine() throws Exception {
        EngineException none = assertThrows(EngineException.class, () -> converter(StorageFormat.LOG_V1, false).convert());
        assertTrue(none.getMessage().startsWith("no GalleonFS engine storage at "), none.getMessage());

        EngineException missing = assertThrows(EngineException.class, () -> new StorageConverter(storage.resolve("nope"),
                StorageFormat.LOG_V1, BS, null, false, lines::add).convert());
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());

        populate(StorageFormat.LAYERS_V1);
        EngineException same = assertThrows(EngineException.class, () -> converter(StorageFormat.LAYERS_V1, false).convert());
        assertTrue(same.getMessage().contains("already in format layers-v1"), same.getMessage());

        Files.writeString(storage.resolve("node.lock"), "4242");
        try (FileChannel ch = FileChannel.open(storage.resolve("node.lock"), StandardOpenOption.WRITE);
             FileLock held = ch.lock()) {
            EngineException running = assertThrows(EngineException.class, () -> converter(StorageFormat.LOG_V1, false).convert());
            assertEquals("storage path " + storage + " is in use by a running GalleonFS daemon (pid 4242): stop it before converting",
                    running.getMessage());
        }
        assertEquals(StorageFormat.LAYERS_V1, StorageFormat.of(storage.resolve("engine")), "nothing changed");
        assertFalse(Files.exists(storage.resolve(StorageConverter.STAGING)));
    }
}
