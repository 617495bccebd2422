package io.galleonfs.backup;

import java.time.Instant;
import java.util.Map;

/**
 * Summary of one backup: the manifest header, readable without loading the extent map.
 *
 * @param id              repository-unique id (time-ordered hex)
 * @param sizeBytes       volume size at backup time; restore needs a sink at least this large
 * @param referencedBytes volume bytes backed by chunks (all other bytes are zero)
 * @param contentDigest   SHA-256 (hex) over the complete extent map (offset, length, keyed chunk id, chunk offset):
 *                        two backups with the same digest restore to identical bytes
 */
public record BackupInfo(String id, String volumeId, String volumeName, BackupStrategy strategy,
                         String parentBackupId, String snapshotName, Map<String, String> labels, long sizeBytes,
                         int blockSize, Instant created, long referencedBytes, String contentDigest,
                         BackupStats stats) {
    public BackupInfo {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
