package io.galleonfs.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenFileTest {
    @TempDir
    Path dir;

    @Test
    void theSecretIsPrivateAndAFormerClustersSecretIsKept() throws Exception {
        AdminTokenFile.write(dir, "gfs_one");
        Path file = AdminTokenFile.of(dir);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertEquals(Optional.of("gfs_one"), AdminTokenFile.read(dir));

        Path kept = AdminTokenFile.retire(dir, 42).orElseThrow();
        assertEquals("gfs_one", Files.readString(kept).strip());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kept)));
        assertEquals(Optional.empty(), AdminTokenFile.read(dir));
        assertEquals(Optional.empty(), AdminTokenFile.retire(dir, 43));
    }

    @Test
    void thePointerNamesTheTokenFileAndIsRemovedOnlyByItsOwner() throws Exception {
        Path config = LocalDiscovery.configDir(Map.of("GALLEONFS_CONFIG_DIR", dir.resolve("cfg").toString()), "/home/nobody");
        assertEquals(Path.of("/home/nobody/.config/galleonfs"), LocalDiscovery.configDir(Map.of(), "/home/nobody"));
        Path mine = dir.resolve("a").resolve("auth").resolve("admin.token");
        LocalDiscovery.write(config, "127.0.0.1", 8090, mine);
        Path pointer = LocalDiscovery.pointer(config, "127.0.0.1", 8090);
        assertEquals(mine.toString(), Files.readString(pointer).strip());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pointer)));
        LocalDiscovery.removeIfOurs(config, "127.0.0.1", 8090, dir.resolve("other"));
        assertTrue(Files.exists(pointer));
        LocalDiscovery.removeIfOurs(config, "127.0.0.1", 8090, mine);
        assertFalse(Files.exists(pointer));
    }
}
