package io.galleonfs.backup;

/**
 * A backup's manifest: its header and the complete extent map of the volume at backup time (the parent's map with
 * this backup's changed extents laid over it). Restoring any backup therefore needs exactly one manifest, and
 * deleting a parent never breaks its children.
 */
public record BackupManifest(BackupInfo info, ExtentMap extents) {
}
