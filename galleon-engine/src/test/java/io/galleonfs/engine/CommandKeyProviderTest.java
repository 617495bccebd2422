package io.galleonfs.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command provider against a shell test double of a KMS ({@code keys/openssl-kms.sh}, openssl enc). */
class CommandKeyProviderTest {
    @TempDir
    Path tmp;

    private List<String> command(String... env) throws Exception {
        Path script = Path.of(getClass().getResource("/keys/openssl-kms.sh").toURI());
        Path keyFile = tmp.resolve("kms-key");
        if (!Files.exists(keyFile)) {
            Files.writeString(keyFile, UUID.randomUUID() + "\n");
        }
        List<String> argv = new ArrayList<>(List.of("env", "KMS_KEY_FILE=" + keyFile));
        argv.addAll(List.of(env));
        argv.addAll(List.of("sh", script.toString()));
        return argv;
    }

    @Test
    void wrapsAndUnwrapsThroughTheProgram() throws Exception {
        CommandKeyProvider keys = CommandKeyProvider.of(command(), Duration.ofSeconds(20), "kms");
        assertEquals("command:kms", keys.id());
        byte[] dataKey = TestSupport.pattern(3, 32);
        byte[] wrapped = keys.wrap(dataKey);
        assertNotEquals(32, wrapped.length);
        assertArrayEquals(dataKey, keys.unwrap(wrapped));
        assertArrayEquals(dataKey, keys.unwrap("command:kms", wrapped));
    }

    @Test
    void anEngineVolumeOpensAgainThroughTheProgram() throws Exception {
        CommandKeyProvider keys = CommandKeyProvider.of(command(), Duration.ofSeconds(20), "kms");
        Path root = tmp.resolve("engine");
        UUID id = UUID.randomUUID();
        try (LayerEngine engine = LayerEngine.open(new EngineConfig(root, TestSupport.BS, 8L << 20, 16L << 20, keys))) {
            TestSupport.writeDurable(engine.create(id, 8L * TestSupport.BS, true), 0, TestSupport.pattern(4, TestSupport.BS));
            assertEquals(java.util.Map.of("command:kms", 1), engine.keyStatus().volumesByKeyId());
        }
        try (LayerEngine engine = LayerEngine.open(new EngineConfig(root, TestSupport.BS, 8L << 20, 16L << 20, keys))) {
            assertArrayEquals(TestSupport.pattern(4, TestSupport.BS), TestSupport.read(engine.find(id).orElseThrow(), 0, TestSupport.BS));
        }
    }

    @Test
    void aNonZeroExitIsOneClearErrorWithTheProgramsMessage() throws Exception {
        CommandKeyProvider keys = CommandKeyProvider.of(command("KMS_FAIL=1"), Duration.ofSeconds(20), "kms");
        GeneralSecurityException e = assertThrows(GeneralSecurityException.class, () -> keys.wrap(new byte[32]));
        assertTrue(e.getMessage().contains("'env wrap' failed with exit code 3: kms: access denied for key alias/galleon"),
                e.getMessage());
    }

    @Test
    void aProgramThatHangsIsStoppedAtTheTimeout() throws Exception {
        CommandKeyProvider keys = CommandKeyProvider.of(command("KMS_SLEEP=30"), Duration.ofMillis(500), "kms");
        GeneralSecurityException e = assertThrows(GeneralSecurityException.class, () -> keys.unwrap(new byte[40]));
        assertTrue(e.getMessage().contains("did not finish within"), e.getMessage());
    }

    @Test
    void garbageOrAWrongLengthFromTheProgramIsRefused() throws Exception {
        CommandKeyProvider echo = CommandKeyProvider.of(List.of("sh", "-c", "echo 'not base64!'", "sh"), Duration.ofSeconds(20), "x");
        assertTrue(assertThrows(GeneralSecurityException.class, () -> echo.wrap(new byte[32])).getMessage().contains("did not print base64"));
        CommandKeyProvider shortKey = CommandKeyProvider.of(List.of("sh", "-c", "echo AAAA", "sh"), Duration.ofSeconds(20), "x");
        assertTrue(assertThrows(GeneralSecurityException.class, () -> shortKey.unwrap(new byte[40])).getMessage()
                .contains("returned 3 bytes; a data key has 32"));
        CommandKeyProvider missing = CommandKeyProvider.of(List.of(tmp.resolve("no-such-program").toString()), Duration.ofSeconds(20), "x");
        assertTrue(assertThrows(GeneralSecurityException.class, () -> missing.wrap(new byte[32])).getMessage().contains("cannot start key command"));
    }
}
