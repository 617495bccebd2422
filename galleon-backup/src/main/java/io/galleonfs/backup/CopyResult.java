package io.galleonfs.backup;

/** Outcome of {@link BackupRepository#copyTo}: the new backup id in the destination and what was transferred. */
public record CopyResult(String destinationBackupId, long chunksCopied, long chunksAlreadyPresent, long bytesCopied) {
}
