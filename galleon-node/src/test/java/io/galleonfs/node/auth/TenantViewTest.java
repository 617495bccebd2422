package io.galleonfs.node.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.node.meta.BackupRecord;
import io.galleonfs.node.meta.BackupTargetRecord;
import io.galleonfs.node.meta.BuiltInStorageClasses;
import io.galleonfs.node.meta.JobRecord;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.VolumeRecord;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TenantViewTest {
    private static final UUID A = UUID.fromString("00000000-0000-4000-8000-00000000000a");
    private static final UUID B = UUID.fromString("00000000-0000-4000-8000-00000000000b");

    private static VolumeRecord volume(UUID id, String name, String namespace) {
        return new VolumeRecord(id, name, VolumeType.PERSISTENT, 4096, 4096, BuiltInStorageClasses.FAST_LOCAL_SSD, 1,
                AccessMode.READ_WRITE_ONCE, false, 1, "node-1", List.of()).inNamespace(namespace);
    }

    private static BackupRecord backup(String id, UUID volume, String name) {
        return new BackupRecord(id, volume.toString(), name, "t", "full", null, "s", "completed", 1, 0, 0, 0, "j-" + id, 1, 2, null, null);
    }

    private static JobRecord job(String id, String backupId, String volume) {
        return new JobRecord(id, "backup", "succeeded", "node-1", "i", "t", backupId, volume, 1, 1, 1, "done", null, null, 1, 2, 3, false);
    }

    private static MetadataState state() {
        MetadataState s = new MetadataState();
        BuiltInStorageClasses.all().forEach(c -> s.apply(new MetaCommand.CreateStorageClass(c)));
        s.apply(new MetaCommand.CreateVolume(volume(A, "alpha", "team-a")));
        s.apply(new MetaCommand.CreateVolume(volume(B, "bravo", "team-b")));
        s.apply(new MetaCommand.CreateBackupTarget(new BackupTargetRecord("t", "file:///tmp/t", null, null, false, null, null, "a2V5", "r", 1)));
        s.apply(new MetaCommand.PutBackup(backup("ba", A, "alpha")));
        s.apply(new MetaCommand.PutBackup(backup("bb", B, "bravo")));
        s.apply(new MetaCommand.PutBackup(backup("gone", UUID.randomUUID(), "deleted")));
        return s;
    }

    @Test
    void aTenantSeesOnlyWhatHangsOffItsOwnVolumes() {
        MetadataState s = state();
        TenantView a = new TenantView(NamespaceScope.of(List.of("team-a")), s);
        assertTrue(a.volume("alpha"));
        assertTrue(a.volume(A.toString()));
        assertFalse(a.volume("bravo"));
        assertFalse(a.volume(B.toString()));
        assertFalse(a.volume("nope"));
        assertTrue(a.backup(s.backups().backup("ba").orElseThrow()));
        assertFalse(a.backup(s.backups().backup("bb").orElseThrow()));
        assertFalse(a.backup(s.backups().backup("gone").orElseThrow()), "a backup of a deleted volume has no namespace left");
        assertTrue(a.job(job("j1", "ba", "alpha")));
        assertFalse(a.job(job("j2", "bb", "bravo")));
        assertFalse(a.job(job("j3", null, "bravo")), "a restore job into another tenant's volume");
        assertTrue(a.job(job("j4", null, "alpha")));
    }

    @Test
    void anUnrestrictedTokenSeesEverything() {
        MetadataState s = state();
        TenantView all = new TenantView(NamespaceScope.ALL, s);
        assertTrue(all.volume("bravo"));
        assertTrue(all.backup(s.backups().backup("gone").orElseThrow()));
        assertTrue(all.job(job("j", null, null)));
    }
}
