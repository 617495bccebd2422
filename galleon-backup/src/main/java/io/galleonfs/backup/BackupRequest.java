package io.galleonfs.backup;

import java.util.Map;
import java.util.Objects;

/**
 * What a backup is of. {@code parentBackupId} is required for INCREMENTAL and DIFFERENTIAL (its extent map is the
 * base the read blocks are laid over) and only recorded for FULL. {@code labels} is free metadata kept in the
 * manifest (e.g. volume class, node, policy).
 */
public record BackupRequest(String volumeId, String volumeName, BackupStrategy strategy, String parentBackupId,
                            String snapshotName, Map<String, String> labels) {
    public BackupRequest {
        Objects.requireNonNull(volumeId, "volumeId");
        Objects.requireNonNull(strategy, "strategy");
        volumeName = volumeName == null ? volumeId : volumeName;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
