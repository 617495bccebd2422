package io.galleonfs.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileKeyProviderTest {
    @TempDir
    Path tmp;

    @Test
    void createsPrivateKeyFileAndReopensTheSameKey() throws Exception {
        Path keyFile = tmp.resolve("keys").resolve("master.key");
        FileKeyProvider created = FileKeyProvider.openOrCreate(keyFile);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
        assertEquals(32, Files.size(keyFile));
        FileKeyProvider reopened = FileKeyProvider.openOrCreate(keyFile);
        assertEquals(created.id(), reopened.id());

        byte[] dataKey = TestSupport.pattern(1, 32);
        byte[] wrapped = created.wrap(dataKey);
        assertArrayEquals(dataKey, reopened.unwrap(wrapped));
        assertNotEquals(java.util.Arrays.toString(wrapped), java.util.Arrays.toString(created.wrap(dataKey)),
                "each wrap uses a fresh nonce");

        byte[] tampered = wrapped.clone();
        tampered[tampered.length - 1] ^= 1;
        assertThrows(GeneralSecurityException.class, () -> reopened.unwrap(tampered));
        FileKeyProvider other = FileKeyProvider.openOrCreate(tmp.resolve("other.key"));
        assertNotEquals(created.id(), other.id());
        assertThrows(GeneralSecurityException.class, () -> other.unwrap(wrapped));
        try (var files = Files.list(keyFile.getParent())) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void rejectsKeyFileOfWrongLength() throws Exception {
        Path keyFile = tmp.resolve("bad.key");
        Files.write(keyFile, new byte[31]);
        assertThrows(EngineException.class, () -> FileKeyProvider.openOrCreate(keyFile));
    }

    @Test
    void rotationAddsAVersionThatBecomesCurrentAndOldKeysUnwrapUntilDestroyed() throws Exception {
        Path keyFile = tmp.resolve("keys").resolve("master.key");
        FileKeyProvider keys = FileKeyProvider.openOrCreate(keyFile);
        String first = keys.id();
        byte[] dataKey = TestSupport.pattern(2, 32);
        KeyProvider.WrappedKey old = keys.wrapCurrent(dataKey);
        assertEquals(first, old.keyId());

        String second = keys.rotate();
        assertNotEquals(first, second);
        assertEquals(second, keys.id());
        assertEquals(java.util.List.of(first, second), keys.keyIds());
        Path v2 = keyFile.resolveSibling("master.key.v2");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(v2)));
        assertArrayEquals(dataKey, keys.unwrap(first, old.bytes()), "the old key still unwraps by its id");
        assertEquals(second, keys.wrapCurrent(dataKey).keyId());

        FileKeyProvider reopened = FileKeyProvider.openOrCreate(keyFile);
        assertEquals(second, reopened.id(), "the highest version is current after a restart");
        assertArrayEquals(dataKey, reopened.unwrap(first, old.bytes()));

        assertThrows(EngineException.class, () -> reopened.destroy(second), "the current key cannot be destroyed");
        reopened.destroy(first);
        assertFalse(Files.exists(keyFile));
        assertEquals(java.util.List.of(second), reopened.keyIds());
        GeneralSecurityException gone = assertThrows(GeneralSecurityException.class, () -> reopened.unwrap(first, old.bytes()));
        assertTrue(gone.getMessage().contains("is not in"), gone.getMessage());
        FileKeyProvider afterDestroy = FileKeyProvider.openOrCreate(keyFile);
        assertEquals(second, afterDestroy.id(), "no new first key is created while a later version exists");
        assertNotEquals(second, afterDestroy.rotate());
        assertTrue(Files.exists(keyFile.resolveSibling("master.key.v3")));
    }
}
