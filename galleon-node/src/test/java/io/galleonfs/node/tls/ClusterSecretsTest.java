package io.galleonfs.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSecretsTest {
    @TempDir
    Path dir;

    @Test
    void sealsWithAKeyEveryHolderOfTheCaKeyDerivesAlike() throws Exception {
        Path founder = dir.resolve("founder");
        ClusterCa.ensure(founder, List.of("127.0.0.1"));
        // a joiner's copy: parsed and written again, as JoinEnrollment does with the key it receives
        Path joiner = dir.resolve("joiner");
        Files.createDirectories(joiner.resolve("tls"));
        Pem.write(ClusterCa.of(joiner).caKey(), Pem.privateKey(Pem.readEcKey(ClusterCa.of(founder).caKey())), "rw-------");

        ClusterSecrets a = ClusterSecrets.of(founder);
        ClusterSecrets b = ClusterSecrets.of(joiner);
        assertTrue(a.available());
        String sealed = a.seal("backup-target/t1/cluster_key", "c2VjcmV0");
        assertTrue(ClusterSecrets.sealed(sealed), sealed);
        assertFalse(sealed.contains("c2VjcmV0"));
        assertNotEquals(sealed, a.seal("backup-target/t1/cluster_key", "c2VjcmV0"), "a fresh nonce each time");
        assertEquals("c2VjcmV0", b.open("backup-target/t1/cluster_key", sealed));
        assertNull(a.seal("x", null));
        assertNull(a.open("x", null));
        assertEquals("plain", a.open("x", "plain"), "values written before sealing are read as they are");
    }

    @Test
    void anotherContextAnotherCaADamagedValueOrNoKeyCannotOpen() throws Exception {
        ClusterCa.ensure(dir.resolve("a"), List.of("127.0.0.1"));
        ClusterCa.ensure(dir.resolve("b"), List.of("127.0.0.1"));
        ClusterSecrets a = ClusterSecrets.of(dir.resolve("a"));
        String sealed = a.seal("backup-target/t1/secret_access_key", "s3cr3t");

        assertThrows(ClusterSecrets.Unopenable.class, () -> a.open("backup-target/t2/secret_access_key", sealed), "moved to another target");
        assertThrows(ClusterSecrets.Unopenable.class, () -> ClusterSecrets.of(dir.resolve("b")).open("backup-target/t1/secret_access_key", sealed));
        int at = ClusterSecrets.PREFIX.length() + 20; // inside the ciphertext (the last character may hold unused bits)
        String flipped = sealed.substring(0, at) + (sealed.charAt(at) == 'A' ? 'B' : 'A') + sealed.substring(at + 1);
        assertThrows(ClusterSecrets.Unopenable.class, () -> a.open("backup-target/t1/secret_access_key", flipped));
        assertThrows(ClusterSecrets.Unopenable.class, () -> a.open("c", ClusterSecrets.PREFIX + "!!"));
        assertThrows(ClusterSecrets.Unopenable.class, () -> a.open("c", ClusterSecrets.PREFIX + "AAAA"));

        ClusterSecrets none = ClusterSecrets.of(dir.resolve("no-tls"));
        assertFalse(none.available());
        assertFalse(ClusterSecrets.none().available());
        var e = assertThrows(ClusterSecrets.Unopenable.class, () -> none.open("backup-target/t1/secret_access_key", sealed));
        assertTrue(e.getMessage().contains("holds no cluster CA key"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cr3t"));
        assertThrows(ClusterSecrets.Unopenable.class, () -> none.seal("c", "v"));
    }
}
