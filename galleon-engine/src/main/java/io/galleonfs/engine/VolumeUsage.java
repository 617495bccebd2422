package io.galleonfs.engine;

/**
 * Space accounting of one volume.
 *
 * @param allocatedBytes   bytes of data blocks visible in the live view
 * @param totalStoredBytes bytes of data blocks stored by all layers (live, snapshots, layers awaiting merge)
 */
public record VolumeUsage(long sizeBytes, long allocatedBytes, long totalStoredBytes, int snapshotCount) {
}
