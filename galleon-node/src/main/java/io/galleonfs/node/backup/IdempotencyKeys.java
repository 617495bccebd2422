package io.galleonfs.node.backup;

import io.galleonfs.node.meta.BackupRecord;
import io.galleonfs.node.meta.JobRecord;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.MetaCommands;
import java.util.Comparator;
import java.util.Optional;

/**
 * Idempotency keys of backup requests. The key is bound to the backup it started in the same Raft entry that records
 * the backup ({@link MetaCommand.PutKeyedBackup}), so of two requests racing with one key, on any nodes, one starts a
 * backup and the other is answered with that backup's job.
 */
final class IdempotencyKeys {
    static final int MAX_LENGTH = 200;

    private IdempotencyKeys() {
    }

    static void requireValid(String key) {
        if (key.isBlank() || key.length() > MAX_LENGTH || key.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw GalleonException.badRequest("idempotency_key must be 1-" + MAX_LENGTH + " printable ASCII characters without spaces");
        }
    }

    /**
     * The job of the backup the key started, while that backup is running or completed; empty when the key is unknown
     * or its backup failed or was deleted (a new backup may then be taken). A completed backup whose job the catalog
     * already forgot is answered with a finished job naming it.
     */
    static Optional<JobRecord> jobOf(MetadataState state, String key) {
        Optional<BackupRecord> backup = state.backupForKey(key).flatMap(id -> state.backups().backup(id))
                .filter(b -> !BackupRecord.FAILED.equals(b.status()));
        if (backup.isEmpty()) {
            return Optional.empty();
        }
        BackupRecord b = backup.get();
        Optional<JobRecord> job = state.backups().jobs().stream()
                .filter(j -> "backup".equals(j.kind()) && b.id().equals(j.backupId()))
                .max(Comparator.comparingLong(JobRecord::createdAtMillis));
        if (job.isPresent() || !b.completed()) {
            return job;
        }
        return Optional.of(new JobRecord(b.jobId() == null ? b.id() : b.jobId(), "backup", JobRecord.SUCCEEDED, null, null, b.target(),
                b.id(), b.volumeName(), b.sizeBytes(), b.sizeBytes(), 0, null, "answered from the catalog (idempotency key)", null,
                b.createdAtMillis(), b.createdAtMillis(), b.finishedAtMillis(), false));
    }

    /** Records the new running backup bound to the key; false when the key already names a live backup. */
    static boolean put(MetaCommands commands, BackupRecord running, String key, long now) {
        try {
            commands.submit(new MetaCommand.PutKeyedBackup(running, key, now));
            return true;
        } catch (GalleonException e) {
            if (e.kind() == GalleonException.Kind.CONFLICT) {
                return false;
            }
            throw e;
        }
    }
}
