package io.galleonfs.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The PKCS#11 provider against a real SoftHSM2 token, initialised in a temporary directory: the surefire
 * configuration points {@code SOFTHSM2_CONF} at a file this class writes before the library is first loaded. Skipped
 * (with the reason) only where SoftHSM2 is not installed ({@code apt-get install softhsm2}).
 */
class Pkcs11KeyProviderTest {
    static final Path LIBRARY = Path.of("/usr/lib/softhsm/libsofthsm2.so");
    private static final String PIN = "4711-galleon";
    private static Path dir;
    private static String tokenLabel;

    @BeforeAll
    static void initToken() throws Exception {
        String conf = System.getenv("SOFTHSM2_CONF");
        assumeTrue(Files.isReadable(LIBRARY), "SoftHSM2 is not installed (" + LIBRARY + " missing): apt-get install softhsm2");
        assumeTrue(conf != null, "SOFTHSM2_CONF is not set for this JVM (the galleon-engine surefire configuration sets it)");
        dir = Files.createTempDirectory("galleon-softhsm");
        Files.createDirectories(dir.resolve("tokens"));
        Path confFile = Path.of(conf);
        Files.createDirectories(confFile.getParent());
        Files.writeString(confFile, "directories.tokendir = " + dir.resolve("tokens") + "\nobjectstore.backend = file\nlog.level = ERROR\n");
        tokenLabel = "galleon-" + UUID.randomUUID().toString().substring(0, 8);
        Process p = new ProcessBuilder("softhsm2-util", "--init-token", "--free", "--label", tokenLabel, "--pin", PIN,
                "--so-pin", "so-" + PIN).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        Files.writeString(dir.resolve("pin"), PIN + "\n");
    }

    @AfterAll
    static void removeToken() throws IOException {
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static Pkcs11KeyProvider open(String keyLabel) throws IOException {
        return Pkcs11KeyProvider.open(new Pkcs11KeyProvider.Settings(LIBRARY, null, tokenLabel, dir.resolve("pin"), keyLabel));
    }

    @Test
    void createsTheKeyInTheTokenOnFirstUseAndWrapsByEncryptingInsideIt() throws Exception {
        Pkcs11KeyProvider keys = open("node-a");
        assertEquals("pkcs11:node-a", keys.id());
        byte[] dataKey = TestSupport.pattern(5, 32);
        byte[] wrapped = keys.wrap(dataKey);
        assertEquals(1 + 12 + 32 + 16, wrapped.length, "version, nonce, ciphertext, tag");
        assertArrayEquals(dataKey, keys.unwrap(wrapped));
        Pkcs11KeyProvider reopened = open("node-a");
        assertEquals(List.of("pkcs11:node-a"), reopened.keyIds(), "the key is a token object: it survives a new session");
        assertArrayEquals(dataKey, reopened.unwrap("pkcs11:node-a", wrapped));
        byte[] tampered = wrapped.clone();
        tampered[20] ^= 1;
        assertThrows(GeneralSecurityException.class, () -> reopened.unwrap(tampered));
        assertThrows(GeneralSecurityException.class, () -> open("node-b").unwrap(wrapped), "another label, another key");
    }

    @Test
    void rotationCreatesANewTokenKeyAndTheEngineRewrapsEveryVolume() throws Exception {
        Path root = Files.createTempDirectory(dir, "engine");
        UUID id = UUID.randomUUID();
        String first;
        String second;
        try (LayerEngine engine = LayerEngine.open(new EngineConfig(root, TestSupport.BS, 8L << 20, 16L << 20, open("node-rot")))) {
            TestSupport.writeDurable(engine.create(id, 8L * TestSupport.BS, true), 0, TestSupport.pattern(6, TestSupport.BS));
            first = engine.keyStatus().currentKeyId();
            MasterKeyRotation r = engine.rotateMasterKey();
            second = r.newKeyId();
            assertEquals("pkcs11:node-rot-v2", second);
            assertEquals(1, r.rewrapped());
            assertEquals(List.of(first), engine.destroyRetiredKeys());
        }
        Pkcs11KeyProvider after = open("node-rot");
        assertEquals(List.of(second), after.keyIds(), "the old token key is destroyed");
        try (LayerEngine engine = LayerEngine.open(new EngineConfig(root, TestSupport.BS, 8L << 20, 16L << 20, after))) {
            assertEquals(Map.of(second, 1), engine.keyStatus().volumesByKeyId());
            assertArrayEquals(TestSupport.pattern(6, TestSupport.BS), TestSupport.read(engine.find(id).orElseThrow(), 0, TestSupport.BS));
        }
        assertNotEquals(first, second);
    }

    @Test
    void aWrongPinOrTokenIsOneClearErrorThatNeverShowsThePin() throws Exception {
        Path badPin = dir.resolve("bad-pin");
        Files.writeString(badPin, "wrong-" + PIN);
        EngineException login = assertThrows(EngineException.class, () -> Pkcs11KeyProvider.open(
                new Pkcs11KeyProvider.Settings(LIBRARY, null, tokenLabel, badPin, "node-a")));
        assertTrue(login.getMessage().startsWith("cannot log into PKCS#11 token"), login.getMessage());
        assertFalse(login.getMessage().contains(PIN), "the PIN is never in a message");
        EngineException noToken = assertThrows(EngineException.class, () -> Pkcs11KeyProvider.open(
                new Pkcs11KeyProvider.Settings(LIBRARY, null, "no-such-token", dir.resolve("pin"), "node-a")));
        assertTrue(noToken.getMessage().contains("has no token labelled 'no-such-token'"), noToken.getMessage());
    }
}
