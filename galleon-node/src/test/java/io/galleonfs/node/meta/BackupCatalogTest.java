package io.galleonfs.node.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BackupCatalogTest {

    private static BackupTargetRecord target(String name) {
        return new BackupTargetRecord(name, "file:///tmp/" + name, null, null, false, "AKIA", "very-secret", "a2V5", "repo", 1);
    }

    private static BackupRecord backup(String id, String target, String status) {
        return new BackupRecord(id, "vol-id", "vol", target, "full", null, "backup-" + id, status, 100, 0, 0, 0, null, 10, 0, null, null);
    }

    private static JobRecord job(String id, String node, String incarnation, String state, String backupId) {
        return new JobRecord(id, "backup", state, node, incarnation, "t", backupId, "vol", 5, 10, 1, "reading", null, null, 1, 2, 0, false);
    }

    @Test
    void targetInUseIsRefusedUnlessForcedWhichForgetsItsBackups() {
        MetadataState s = new MetadataState();
        s.apply(new MetaCommand.CreateBackupTarget(target("t")));
        assertInstanceOf(MetaResult.Rejected.class, s.apply(new MetaCommand.CreateBackupTarget(target("t"))));
        assertInstanceOf(MetaResult.Rejected.class, s.apply(new MetaCommand.PutBackup(backup("b0", "nope", "completed"))));
        s.apply(new MetaCommand.PutBackup(backup("b1", "t", "completed")));
        MetaResult r = s.apply(new MetaCommand.DeleteBackupTarget("t", false));
        assertEquals(MetaResult.Reason.CONFLICT, ((MetaResult.Rejected) r).reason());
        assertTrue(s.backups().target("t").isPresent());
        assertInstanceOf(MetaResult.Applied.class, s.apply(new MetaCommand.DeleteBackupTarget("t", true)));
        assertTrue(s.backups().backups().isEmpty());
    }

    @Test
    void jobsOfADeadProcessFailWithTheirBackupsAndFinishedJobsStayFinished() {
        MetadataState s = new MetadataState();
        s.apply(new MetaCommand.CreateBackupTarget(target("t")));
        s.apply(new MetaCommand.PutBackup(backup("b1", "t", "running")));
        s.apply(new MetaCommand.PutJob(job("j1", "n1", "old", "running", "b1")));
        s.apply(new MetaCommand.PutJob(job("j2", "n1", "new", "running", null)));
        s.apply(new MetaCommand.PutJob(job("j3", "n2", "x", "running", null)));
        s.apply(new MetaCommand.FailJobsOfNode("n1", "new", "node n1 restarted", 99));

        JobRecord j1 = s.backups().job("j1").orElseThrow();
        assertEquals("failed", j1.state());
        assertEquals("node n1 restarted", j1.error());
        assertEquals(99, j1.finishedAtMillis());
        assertEquals("failed", s.backups().backup("b1").orElseThrow().status());
        assertEquals("running", s.backups().job("j2").orElseThrow().state(), "the current process's job keeps running");
        assertEquals("running", s.backups().job("j3").orElseThrow().state(), "other nodes' jobs are untouched");

        // A late progress report of the dead process cannot revive the job.
        assertInstanceOf(MetaResult.Rejected.class, s.apply(new MetaCommand.PutJob(job("j1", "n1", "old", "running", "b1"))));
        assertEquals("failed", s.backups().job("j1").orElseThrow().state());
    }

    @Test
    void cancelRequestIsStickyAgainstProgressUpdates() {
        MetadataState s = new MetadataState();
        s.apply(new MetaCommand.PutJob(job("j", "n", "i", "running", null)));
        s.apply(new MetaCommand.PutJob(job("j", "n", "i", "running", null).withCancelRequested()));
        s.apply(new MetaCommand.PutJob(job("j", "n", "i", "running", null)));
        assertTrue(s.backups().job("j").orElseThrow().cancelRequested());
    }

    @Test
    void snapshotImageRoundTripsAndSecretsStayOutOfToString() throws Exception {
        MetadataState s = new MetadataState();
        s.apply(new MetaCommand.CreateBackupTarget(target("t")));
        s.apply(new MetaCommand.PutBackup(backup("b1", "t", "completed")));
        s.apply(new MetaCommand.PutJob(job("j", "n", "i", "succeeded", "b1")));
        byte[] image = s.snapshot();
        assertArrayEquals(image, MetadataState.restore(image).snapshot());
        assertFalse(target("t").toString().contains("very-secret"));
        assertFalse(target("t").toString().contains("a2V5"));
    }

    @Test
    void onlyTheNewestFinishedJobsAreKept() {
        MetadataState s = new MetadataState();
        for (int i = 0; i < BackupCatalog.KEPT_FINISHED_JOBS + 10; i++) {
            s.apply(new MetaCommand.PutJob(new JobRecord("j" + i, "verify", "succeeded", "n", "i", "t", null, null, 0, 0, 0, null, null, null,
                    i, i, i, false)));
        }
        s.apply(new MetaCommand.PutJob(job("running", "n", "i", "running", null)));
        assertEquals(BackupCatalog.KEPT_FINISHED_JOBS + 1, s.backups().jobs().size());
        assertFalse(s.backups().job("j0").isPresent());
        assertTrue(s.backups().job("running").isPresent());
    }
}
