package io.galleonfs.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
