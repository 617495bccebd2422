package io.galleonfs.node.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountRootsTest {
    @TempDir
    Path tmp;

    @Test
    void anOperatorMountsOnlyUnderTheMountPoint() throws IOException {
        Path mp = Files.createDirectories(tmp.resolve("mnt"));
        MountRoots roots = new MountRoots(Optional.of(mp), List.of());
        assertEquals(Optional.empty(), roots.refusal(mp.resolve("team-a/db"), false));
        String reason = roots.refusal(tmp.resolve("etc/cron.d"), false).orElseThrow();
        assertTrue(reason.contains("outside the directories this node allows mounts in (" + mp + ")"), reason);
        assertTrue(roots.refusal(mp, false).isPresent(), "the mount point itself is not a place to mount over");
    }

    @Test
    void anAdminMountsAnywhereUntilRootsAreConfigured() throws IOException {
        Path mp = Files.createDirectories(tmp.resolve("mnt"));
        assertEquals(Optional.empty(), new MountRoots(Optional.of(mp), List.of()).refusal(Path.of("/app/web-data"), true),
                "the seed mounts at /app/web-data with the local admin token");
        Path app = Files.createDirectories(tmp.resolve("app"));
        MountRoots configured = new MountRoots(Optional.of(mp), List.of(app));
        assertEquals(Optional.empty(), configured.refusal(app.resolve("web-data"), true));
        assertEquals(Optional.empty(), configured.refusal(app.resolve("web-data"), false));
        String reason = configured.refusal(tmp.resolve("srv/x"), true).orElseThrow();
        assertTrue(reason.contains("allowed_mount_roots"), reason);
    }

    @Test
    void aSymbolicLinkUnderAnAllowedRootDoesNotLeadOutOfIt() throws IOException {
        Path mp = Files.createDirectories(tmp.resolve("mnt"));
        Path secret = Files.createDirectories(tmp.resolve("secret"));
        Files.createSymbolicLink(mp.resolve("escape"), secret);
        MountRoots roots = new MountRoots(Optional.of(mp), List.of());
        String reason = roots.refusal(mp.resolve("escape/inner"), false).orElseThrow();
        assertTrue(reason.contains(secret.resolve("inner").toString()), reason);
    }

    @Test
    void aMountPointReachedThroughALinkStillCounts() throws IOException {
        Path real = Files.createDirectories(tmp.resolve("real-mnt"));
        Path link = Files.createSymbolicLink(tmp.resolve("mnt"), real);
        MountRoots roots = new MountRoots(Optional.of(link), List.of());
        assertEquals(Optional.empty(), roots.refusal(real.resolve("db"), false));
        assertEquals(Optional.empty(), roots.refusal(link.resolve("db"), false));
    }
}
