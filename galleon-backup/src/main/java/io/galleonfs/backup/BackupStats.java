package io.galleonfs.backup;

/**
 * Figures of one backup run.
 *
 * @param bytesRead     volume bytes read from the source (the blocks in {@code blocksToRead})
 * @param bytesZero     of those, bytes that were zero and stored as holes
 * @param bytesNew      plaintext bytes of chunks the repository did not hold yet
 * @param bytesStored   bytes written to the target for those chunks (compressed, encrypted, with pack indexes)
 * @param chunksNew     chunks written
 * @param chunksReused  chunks found already stored (dedup across backups and volumes, or left by a crashed run)
 * @param packsWritten  pack objects written
 * @param durationMillis wall time of the run
 */
public record BackupStats(long bytesRead, long bytesZero, long bytesNew, long bytesStored, long chunksNew,
                          long chunksReused, int packsWritten, long durationMillis) {
}
