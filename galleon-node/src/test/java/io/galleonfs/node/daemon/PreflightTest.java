package io.galleonfs.node.daemon;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreflightTest {

    @Test
    void engineStorageInAFormatThisBuildDoesNotReadIsOneLineBeforeAnythingStarts(@TempDir Path storage) throws Exception {
        Path engine = storage.resolve("engine");
        Files.createDirectories(engine);
        Files.writeString(engine.resolve("format"), "galleonfs-engine log-v1\n");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Preflight.requireReadableEngineFormat(engine));

        assertTrue(e.getMessage().contains("is in format log-v1") && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void newStorageAndTodaysFormatPass(@TempDir Path storage) throws Exception {
        Path engine = storage.resolve("engine");
        assertDoesNotThrow(() -> Preflight.requireReadableEngineFormat(engine));
        Files.createDirectories(engine);
        Files.writeString(engine.resolve("format"), "galleonfs-engine layers-v1\n");
        assertDoesNotThrow(() -> Preflight.requireReadableEngineFormat(engine));
    }
}
