package io.galleonfs.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageFormatTest {

    @Test
    void aNewRootRecordsItsFormat(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("engine");
        try (BlockEngine e = BlockEngine.open(TestSupport.config(root))) {
            assertEquals(StorageFormat.LAYERS_V1, StorageFormat.of(root));
        }
        try (BlockEngine e = BlockEngine.open(TestSupport.config(root))) {
            assertEquals(StorageFormat.LAYERS_V1, StorageFormat.of(root), "and keeps it");
        }
    }

    @Test
    void aRootFromBeforeTheFormatFileKeepsItsDataAndGetsTheFile(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("engine");
        UUID id = UUID.randomUUID();
        byte[] data = new byte[4096];
        data[7] = 42;
        try (BlockEngine e = BlockEngine.open(TestSupport.config(root))) {
            e.create(id, 1 << 20, false).write(0, ByteBuffer.wrap(data), WriteConcern.DURABLE);
        }
        Files.delete(root.resolve(StorageFormat.FILE));
        try (BlockEngine e = BlockEngine.open(TestSupport.config(root))) {
            ByteBuffer got = ByteBuffer.allocate(4096);
            e.find(id).orElseThrow().read(0, got);
            assertArrayEquals(data, got.array());
        }
        assertEquals(StorageFormat.LAYERS_V1, StorageFormat.of(root));
    }

    @Test
    void aRootInAnotherFormatIsRefusedUntouched(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("engine");
        Files.createDirectories(root);
        Files.writeString(root.resolve(StorageFormat.FILE), "galleonfs-engine log-v1\n");

        StorageFormat.UnsupportedStorageFormatException e = assertThrows(StorageFormat.UnsupportedStorageFormatException.class,
                () -> BlockEngine.open(TestSupport.config(root)));

        assertTrue(e.getMessage().contains("format log-v1") && e.getMessage().contains("nothing was changed"), e.getMessage());
        assertFalse(Files.exists(root.resolve(BlockEngine.JOURNAL_DIR)), "no journal created");
        assertFalse(Files.exists(root.resolve(BlockEngine.VOLUMES_DIR)), "no volumes directory created");
        assertEquals("log-v1", StorageFormat.of(root));
    }

    @Test
    void aFormatFileThisBuildCannotReadIsRefused(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("engine");
        Files.createDirectories(root);
        Files.writeString(root.resolve(StorageFormat.FILE), "something else\n");

        StorageFormat.UnsupportedStorageFormatException e = assertThrows(StorageFormat.UnsupportedStorageFormatException.class,
                () -> BlockEngine.open(TestSupport.config(root)));

        assertTrue(e.getMessage().contains("cannot read"), e.getMessage());
    }
}
