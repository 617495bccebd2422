package io.galleonfs.node.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.node.meta.VolumeRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Names are unique per namespace, so two tenants' {@code db} must not share a default mount path. */
class MountDefaultPathTest {
    private static VolumeRecord db(String namespace) {
        return new VolumeRecord(UUID.randomUUID(), "db", VolumeType.PERSISTENT, 4096, 4096, "fast-local-ssd", 1,
                AccessMode.READ_WRITE_ONCE, false, 0, "node-1", List.of()).inNamespace(namespace);
    }

    @Test
    void defaultNamespaceKeepsItsPathOthersGetTheirOwnDirectory() {
        Path root = Path.of("/mnt/galleon");
        assertEquals(Path.of("/mnt/galleon/db"), MountService.defaultPath(root, db("default")));
        assertEquals(Path.of("/mnt/galleon/team-a/db"), MountService.defaultPath(root, db("team-a")));
        assertEquals(Path.of("/mnt/galleon/team-b/db"), MountService.defaultPath(root, db("team-b")));
    }
}
