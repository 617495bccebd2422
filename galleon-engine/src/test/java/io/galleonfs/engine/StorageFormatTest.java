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
        try (LayerEngine e = LayerEngine.open(TestSupport.config(root))) {
            assertEquals(StorageFormat.LAYERS_V1, StorageFormat.of(root));
        }
        try (LayerEngine e = LayerEngine.open(TestSupport.config(root))) {
            assertEquals(StorageFormat.LAYERS_V1, StorageFormat.of(root), "and keeps it");
        }
    }

    @Test
    void aRootFromBeforeTheFormatFileKeepsItsDataAndGetsTheFile(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("engine");
        UUID id = UUID.randomUUID();
        byte[] data = new byte[4096];
        data[7] = 42;
        try (LayerEngine e = LayerEngine.open(TestSupport.config(root))) {
            e.create(id, 1 << 20, false).write(0, ByteBuffer.wrap(data), WriteConcern.DURABLE);
        }
        Files.delete(root.resolve(StorageFormat.FILE));
        try (LayerEngine e = LayerEngine.open(TestSupport.config(root))) {
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
                () -> LayerEngine.open(TestSupport.config(root)));

        assertTrue(e.getMessage().contains("format log-v1") && e.getMessage().contains("nothing was changed"), e.getMessage());
        assertFalse(Files.exists(root.resolve(LayerEngine.JOURNAL_DIR)), "no journal created");
        assertFalse(Files.exists(root.resolve(LayerEngine.VOLUMES_DIR)), "no volumes directory created");
        assertEquals("log-v1", StorageFormat.of(root));
    }

    @Test
    void aLayerRootIsRefusedToALogConfigurationWithHowToConvert(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("engine");
        LayerEngine.open(TestSupport.config(root)).close();

        StorageFormat.UnsupportedStorageFormatException e = assertThrows(StorageFormat.UnsupportedStorageFormatException.class,
                () -> BlockEngine.open(TestSupport.config(root).withFormat(StorageFormat.LOG_V1)));

        assertTrue(e.getMessage().contains("galleonfs storage convert") && e.getMessage().contains("--to log"), e.getMessage());
        assertFalse(Files.exists(root.resolve("store")), "no log store created");
        assertEquals(StorageFormat.LAYERS_V1, StorageFormat.of(root));
    }

    @Test
    void aNewRootGetsTheConfiguredFormatAndKeepsIt(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("engine");
        UUID id = UUID.randomUUID();
        byte[] data = TestSupport.pattern(3, 8192);
        try (BlockEngine e = BlockEngine.open(TestSupport.config(root).withFormat(StorageFormat.LOG_V1))) {
            assertEquals(StorageFormat.LOG_V1, e.format());
            e.create(id, 1 << 20, false).write(4096, ByteBuffer.wrap(data), WriteConcern.DURABLE);
        }
        assertEquals(StorageFormat.LOG_V1, StorageFormat.of(root));
        assertFalse(Files.exists(root.resolve(LayerEngine.JOURNAL_DIR)), "no layer engine files");
        try (BlockEngine e = BlockEngine.open(TestSupport.config(root).withFormat(StorageFormat.LOG_V1))) {
            TestSupport.assertContent(data, e.find(id).orElseThrow(), 4096);
            assertThrows(EngineException.class, () -> BlockEngine.open(TestSupport.config(root).withFormat(StorageFormat.LOG_V1)),
                    "the root is locked while open");
        }
        assertThrows(StorageFormat.UnsupportedStorageFormatException.class, () -> BlockEngine.open(TestSupport.config(root)));
    }

    @Test
    void aFormatFileThisBuildCannotReadIsRefused(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("engine");
        Files.createDirectories(root);
        Files.writeString(root.resolve(StorageFormat.FILE), "something else\n");

        StorageFormat.UnsupportedStorageFormatException e = assertThrows(StorageFormat.UnsupportedStorageFormatException.class,
                () -> LayerEngine.open(TestSupport.config(root)));

        assertTrue(e.getMessage().contains("cannot read"), e.getMessage());
    }
}
