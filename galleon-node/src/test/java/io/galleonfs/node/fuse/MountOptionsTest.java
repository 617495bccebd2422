package io.galleonfs.node.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MountOptionsTest {
    private static MountOptions user(String... options) {
        return MountOptions.parse(List.of(), List.of(options), null, AccessMode.READ_WRITE_ONCE);
    }

    @Test
    void defaultsToReadWriteExceptForReadOnlyManyVolumes() {
        assertEquals(List.of("rw"), user().toList());
        assertEquals(List.of("ro"), MountOptions.parse(List.of(), List.of(), null, AccessMode.READ_ONLY_MANY).toList());
    }

    @Test
    void commaListsAndSeparateEntriesAreNormalised() {
        MountOptions o = user("rw,sync", "noatime", " nodev ");
        assertEquals(List.of("rw", "sync", "noatime", "nodev"), o.toList());
        assertTrue(o.sync());
        assertEquals(List.of("ro"), user("rw", "ro").toList(), "the last of rw/ro wins");
        assertEquals(List.of("rw", "encrypted"), user("rw,encrypted").toList());
    }

    @Test
    void classFsTypeGivesFileSystemModeUnlessTheUserAsksForTheRawLayout() {
        assertEquals(Optional.of("ext4"), MountOptions.parse(List.of(), List.of(), "ext4", AccessMode.READ_WRITE_ONCE).fsType());
        assertEquals(Optional.empty(), MountOptions.parse(List.of(), List.of("fs=none"), "ext4", AccessMode.READ_WRITE_ONCE).fsType());
        assertEquals(Optional.of("xfs"), user("fs=xfs").fsType());
        assertEquals(List.of("rw", "fs=ext4"), user("fs=ext4").toList());
    }

    @Test
    void classOptionsAreDefaultsAndUnknownOnesAreSkipped() {
        MountOptions o = MountOptions.parse(List.of("noatime", "sync", "nobarrier"), List.of("async"), null, AccessMode.READ_WRITE_ONCE);
        assertEquals(List.of("rw", "noatime"), o.toList());
    }

    @Test
    void storedOptionsParseBackToTheSameOptions() {
        MountOptions o = user("ro,sync,fs=xfs,noexec");
        assertEquals(o, MountOptions.stored(o.toList()));
    }

    @Test
    void badUserOptionsAreRejectedWithTheSupportedList() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> user("rw,bogus"));
        assertTrue(e.getMessage().contains("unknown mount option 'bogus'") && e.getMessage().contains("fs=ext4"), e.getMessage());
        IllegalArgumentException fs = assertThrows(IllegalArgumentException.class, () -> user("fs=fat32"));
        assertTrue(fs.getMessage().contains("fat32"), fs.getMessage());
    }
}
