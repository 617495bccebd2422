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

    @Test
    void ownerGroupAndModeAreOptionsKeptInTheRecord() {
        MountOptions o = user("rw,uid=1000,gid=100,mode=0640");
        assertEquals(java.util.OptionalInt.of(1000), o.uid());
        assertEquals(java.util.OptionalInt.of(100), o.gid());
        assertEquals(0640, o.mode());
        assertEquals(List.of("rw", "uid=1000", "gid=100", "mode=0640"), o.toList());
        assertEquals(o, MountOptions.stored(o.toList()));
        assertEquals(MountOptions.DEFAULT_MODE, user().mode());
        assertEquals(java.util.OptionalInt.empty(), user().uid());
    }

    @Test
    void badOwnershipOptionsAreRefused() {
        for (String bad : new String[] {"uid=-1", "uid=root", "gid=", "mode=777", "mode=0755", "mode=rw", "mode=08"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> user(bad), bad);
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }
}
