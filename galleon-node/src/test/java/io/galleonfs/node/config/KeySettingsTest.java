package io.galleonfs.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeySettingsTest {

    private static String refused(Map<String, String> keys) {
        return assertThrows(IllegalArgumentException.class, () -> NodeConfig.resolve(keys)).getMessage();
    }

    @Test
    void theFileProviderIsTheDefault() {
        KeySettings k = NodeConfig.resolve(Map.of()).keys();
        assertEquals("file", k.provider());
        assertEquals("galleonfs-master", k.keyLabel());
        assertEquals(Duration.ofSeconds(30), k.commandTimeout());
    }

    @Test
    void pkcs11AndCommandSettingsAreReadAndRoundTrip() {
        NodeConfig c = NodeConfig.resolve(Map.of("key_provider", "PKCS11", "key_pkcs11_token_label", "galleon",
                "key_pkcs11_pin_file", "/etc/galleonfs/pin", "key_label", "node-1"));
        assertEquals("pkcs11", c.keys().provider());
        assertEquals(Optional.of("galleon"), c.keys().pkcs11TokenLabel());
        assertEquals(Optional.of(Path.of("/etc/galleonfs/pin")), c.keys().pkcs11PinFile());
        assertEquals(c, NodeConfig.resolve(c.toKeyMap()));
        NodeConfig cmd = NodeConfig.resolve(Map.of("key_provider", "command", "key_command", " /usr/bin/kms  --key alias/x ",
                "key_command_timeout", "5"));
        assertEquals(List.of("/usr/bin/kms", "--key", "alias/x"), cmd.keys().command());
        assertEquals(Duration.ofSeconds(5), cmd.keys().commandTimeout());
        assertEquals(cmd, NodeConfig.resolve(cmd.toKeyMap()));
    }

    @Test
    void incompleteOrInvalidSettingsAreOneReadableLine() {
        assertTrue(refused(Map.of("key_provider", "vault")).contains("expected file, pkcs11 or command"));
        assertTrue(refused(Map.of("key_provider", "pkcs11")).contains("needs pin_file"));
        assertTrue(refused(Map.of("key_provider", "command")).contains("needs command"));
        assertTrue(refused(Map.of("key_pkcs11_slot", "first")).contains("is not a slot id"));
        assertTrue(refused(Map.of("key_label", "a b")).contains("key_label 'a b' is invalid"));
        assertTrue(refused(Map.of("key_command_timeout", "0")).contains("1 to 600 seconds"));
    }
}
