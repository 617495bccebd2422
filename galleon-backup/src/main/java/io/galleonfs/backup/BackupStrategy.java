package io.galleonfs.backup;

/**
 * FULL reads every allocated block and stands alone; INCREMENTAL reads blocks changed since the volume's last backup;
 * DIFFERENTIAL reads blocks changed since its last full. The repository treats the latter two alike (parent
 * required); the caller picks the parent and the changed-block map.
 */
public enum BackupStrategy {
    FULL, INCREMENTAL, DIFFERENTIAL
}
