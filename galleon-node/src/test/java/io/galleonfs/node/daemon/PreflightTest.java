package io.galleonfs.node.daemon;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.StorageFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreflightTest {

    @Test
    void engineStorageInAnotherFormatThanConfiguredIsOneLineNamingConvertBeforeAnythingStarts(@TempDir Path storage)
            throws Exception {
        Path engine = storage.resolve("engine");
        Files.createDirectories(engine);
        Files.writeString(engine.resolve("format"), "galleonfs-engine log-v1\n");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Preflight.requireReadableEngineFormat(engine, StorageFormat.LAYERS_V1));

        assertTrue(e.getMessage().contains("is in format log-v1") && e.getMessage().contains("galleonfs storage convert")
                && e.getMessage().contains("--to layers") && !e.getMessage().contains("\n"), e.getMessage());
        assertDoesNotThrow(() -> Preflight.requireReadableEngineFormat(engine, StorageFormat.LOG_V1));
    }

    @Test
    void engineStorageInAFormatThisBuildDoesNotReadIsOneLine(@TempDir Path storage) throws Exception {
        Path engine = storage.resolve("engine");
        Files.createDirectories(engine);
        Files.writeString(engine.resolve("format"), "galleonfs-engine log-v9\n");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Preflight.requireReadableEngineFormat(engine, StorageFormat.LOG_V1));

        assertTrue(e.getMessage().contains("does not read") && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void newStorageTakesEitherFormatAndAnOldLayerRootIsLayers(@TempDir Path storage) throws Exception {
        Path engine = storage.resolve("engine");
        assertDoesNotThrow(() -> Preflight.requireReadableEngineFormat(engine, StorageFormat.LAYERS_V1));
        assertDoesNotThrow(() -> Preflight.requireReadableEngineFormat(engine, StorageFormat.LOG_V1));
        Files.createDirectories(engine.resolve("journal")); // a layer root from before the format file
        assertThrows(IllegalArgumentException.class, () -> Preflight.requireReadableEngineFormat(engine, StorageFormat.LOG_V1));
        Files.writeString(engine.resolve("format"), "galleonfs-engine layers-v1\n");
        assertDoesNotThrow(() -> Preflight.requireReadableEngineFormat(engine, StorageFormat.LAYERS_V1));
    }

    @Test
    void aLogStorageRootRefusesAnotherBlockSizeWithOneLine(@TempDir Path storage) throws Exception {
        Path engine = storage.resolve("engine");
        assertDoesNotThrow(() -> Preflight.requireLogStoreBlockSize(engine, 8192), "a new storage path takes any");
        try (io.galleonfs.engine.BlockEngine e = io.galleonfs.engine.BlockEngine.open(
                io.galleonfs.engine.EngineConfig.defaults(engine, 4096, null).withFormat(StorageFormat.LOG_V1))) {
            e.create(java.util.UUID.randomUUID(), 1 << 20, false);
        }

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Preflight.requireLogStoreBlockSize(engine, 8192));

        assertTrue(e.getMessage().contains("holds volumes of block size 4096 but block_size = 8192")
                && e.getMessage().endsWith("set block_size = 4096") && !e.getMessage().contains("\n"), e.getMessage());
        assertDoesNotThrow(() -> Preflight.requireLogStoreBlockSize(engine, 4096));
    }
}
