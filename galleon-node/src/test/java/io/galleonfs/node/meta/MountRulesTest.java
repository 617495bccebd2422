package io.galleonfs.node.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Access-mode rules for mounts, applied through the state machine as every member applies them. */
class MountRulesTest {
    private static final UUID RWO = UUID.fromString("00000000-0000-4000-8000-000000000001");
    private static final UUID ROX = UUID.fromString("00000000-0000-4000-8000-000000000002");
    private static final UUID RWX = UUID.fromString("00000000-0000-4000-8000-000000000003");
    private MetadataState state;
    private int next;

    private static VolumeRecord volume(UUID id, String name, AccessMode mode) {
        return new VolumeRecord(id, name, VolumeType.PERSISTENT, 1 << 20, 4096, "fast-local-ssd", 1, mode, false, 1L, "node-1", List.of());
    }

    @BeforeEach
    void setUp() {
        state = new MetadataState();
        MetadataStateTest.builtIns().forEach(state::apply);
        state.apply(new MetaCommand.CreateVolume(volume(RWO, "rwo", AccessMode.READ_WRITE_ONCE)));
        state.apply(new MetaCommand.CreateVolume(volume(ROX, "rox", AccessMode.READ_ONLY_MANY)));
        state.apply(new MetaCommand.CreateVolume(volume(RWX, "rwx", AccessMode.READ_WRITE_MANY)));
    }

    private MountRecord mount(String node, String path, String... options) {
        return new MountRecord("m-" + (++next), path, List.of(options), node);
    }

    private MountRecord add(UUID volume, MountRecord m) {
        assertInstanceOf(MetaResult.Applied.class, state.apply(new MetaCommand.AddMount(volume, m)));
        return m;
    }

    private String refused(UUID volume, MountRecord m, MetaResult.Reason reason) {
        byte[] before = state.snapshot();
        MetaResult r = state.apply(new MetaCommand.AddMount(volume, m));
        MetaResult.Rejected rej = assertInstanceOf(MetaResult.Rejected.class, r, () -> "expected a refusal of " + m);
        assertEquals(reason, rej.reason(), rej.detail());
        assertArrayEquals(before, state.snapshot(), "a refused mount changes nothing");
        return rej.detail();
    }

    @Test
    void readWriteOnceAllowsOneWriterAndManyReaders() {
        add(RWO, mount("node-1", "/mnt/a", "rw", "sync"));
        add(RWO, mount("node-1", "/mnt/b", "ro"));
        add(RWO, mount("node-2", "/mnt/c", "ro"));
        String why = refused(RWO, mount("node-2", "/mnt/d", "rw"), MetaResult.Reason.CONFLICT);
        assertTrue(why.contains("ReadWriteOnce") && why.contains("/mnt/a on node node-1"), why);
        assertEquals(3, state.volume(RWO).orElseThrow().mounts().size());
    }

    @Test
    void readOnlyManyAllowsOnlyReaders() {
        add(ROX, mount("node-1", "/mnt/a", "ro"));
        add(ROX, mount("node-2", "/mnt/a", "ro"));
        assertTrue(refused(ROX, mount("node-1", "/mnt/b", "rw"), MetaResult.Reason.INVALID).contains("ReadOnlyMany"));
    }

    @Test
    void readWriteManyAllowsSeveralWriters() {
        add(RWX, mount("node-1", "/mnt/a", "rw"));
        add(RWX, mount("node-2", "/mnt/a", "rw"));
        add(RWX, mount("node-1", "/mnt/b", "rw"));
        assertEquals(3, state.volume(RWX).orElseThrow().mounts().size());
    }

    @Test
    void pathsAreUniquePerNodeAndMayNotNest() {
        add(RWX, mount("node-1", "/mnt/a", "rw"));
        assertTrue(refused(ROX, mount("node-1", "/mnt/a", "ro"), MetaResult.Reason.CONFLICT).contains("already mounted at /mnt/a"));
        assertTrue(refused(ROX, mount("node-1", "/mnt/a/inner", "ro"), MetaResult.Reason.CONFLICT).contains("overlaps"));
        assertTrue(refused(ROX, mount("node-1", "/mnt", "ro"), MetaResult.Reason.CONFLICT).contains("overlaps"));
        add(ROX, mount("node-1", "/mnt/ab", "ro"));
        add(ROX, mount("node-2", "/mnt/a", "ro"));
    }

    @Test
    void aWrittenFileSystemExcludesOtherWritersAndOtherFileSystemMounts() {
        add(RWX, mount("node-1", "/fs/rw", "rw", "fs=ext4"));
        add(RWX, mount("node-1", "/raw/ro", "ro"));
        assertTrue(refused(RWX, mount("node-2", "/fs/rw", "rw", "fs=ext4"), MetaResult.Reason.CONFLICT).contains("file system"));
        assertTrue(refused(RWX, mount("node-2", "/fs/ro", "ro", "fs=ext4"), MetaResult.Reason.CONFLICT).contains("file system"));
        assertTrue(refused(RWX, mount("node-2", "/raw/rw", "rw"), MetaResult.Reason.CONFLICT).contains("file system"));
    }

    @Test
    void readOnlyFileSystemMountsShareButNotWithWritersOrOtherTypes() {
        add(RWX, mount("node-1", "/fs/a", "ro", "fs=ext4"));
        add(RWX, mount("node-2", "/fs/b", "ro", "fs=ext4"));
        assertTrue(refused(RWX, mount("node-1", "/fs/c", "ro", "fs=xfs"), MetaResult.Reason.CONFLICT).contains("ext4"));
        refused(RWX, mount("node-1", "/raw", "rw"), MetaResult.Reason.CONFLICT);
        refused(RWX, mount("node-1", "/fs/d", "rw", "fs=ext4"), MetaResult.Reason.CONFLICT);
    }

    @Test
    void optionsMustSayRwOrRoExactlyOnce() {
        refused(RWO, mount("node-1", "/x", "sync"), MetaResult.Reason.INVALID);
        refused(RWO, mount("node-1", "/x", "rw", "ro"), MetaResult.Reason.INVALID);
        refused(RWO, mount("node-1", "relative", "rw"), MetaResult.Reason.INVALID);
    }

    @Test
    void removeForgetsOneMountAndUnknownMountsAreNotFound() {
        MountRecord a = add(RWO, mount("node-1", "/mnt/a", "rw"));
        MountRecord b = add(RWO, mount("node-1", "/mnt/b", "ro"));
        assertInstanceOf(MetaResult.Applied.class, state.apply(new MetaCommand.RemoveMount(RWO, a.id())));
        assertEquals(List.of(b), state.volume(RWO).orElseThrow().mounts());
        assertInstanceOf(MetaResult.Rejected.class, state.apply(new MetaCommand.RemoveMount(RWO, a.id())));
        assertInstanceOf(MetaResult.Rejected.class, state.apply(new MetaCommand.AddMount(UUID.randomUUID(), mount("node-1", "/y", "rw"))));
        // the writer is gone: another node may now mount read-write
        add(RWO, mount("node-2", "/mnt/a", "rw"));
    }

    @Test
    void mountsSurviveSnapshotRestoreAndCommandsRoundTripAsJson() throws IOException {
        add(RWO, mount("node-1", "/mnt/a", "rw", "sync", "fs=ext4"));
        MetadataState copy = MetadataState.restore(state.snapshot());
        assertEquals(state.volume(RWO).orElseThrow().mounts(), copy.volume(RWO).orElseThrow().mounts());
        MetaCommand cmd = new MetaCommand.AddMount(RWO, mount("node-1", "/mnt/b", "ro"));
        byte[] json = MetadataState.JSON.writeValueAsBytes(cmd);
        assertEquals(cmd, MetadataState.JSON.readValue(json, MetaCommand.class));
        assertTrue(new String(json).contains("add_mount"));
    }
}
