package io.galleonfs.backup;

import java.util.List;

/**
 * A deduplicating, compressed, encrypted backup repository on an {@link ObjectStore} (layout and formats:
 * docs/ARCHITECTURE.md, "Backup repository"). Thread-safe for one operation at a time per handle; several processes
 * may back up into one repository concurrently, while prune takes an exclusive lock.
 *
 * <p>Blocking: every method does I/O on the calling thread (plus internal worker threads); call it from a worker
 * pool, never from an event loop.
 */
public final class BackupRepository implements AutoCloseable {

    /**
     * Creates a repository on an empty target: a random 256-bit master key wrapped by the recovery passphrase
     * (scrypt) and, when given, by the cluster key. The returned handle is open and unlocked.
     *
     * @throws RepositoryExistsException if the target already holds a repository
     */
    public static BackupRepository init(ObjectStore store, char[] recoveryPassphrase, byte[] clusterKeyOrNull) {
        return init(store, recoveryPassphrase, clusterKeyOrNull, RepositoryOptions.defaults());
    }

    public static BackupRepository init(ObjectStore store, char[] recoveryPassphrase, byte[] clusterKeyOrNull,
                                        RepositoryOptions options) {
        throw new UnsupportedOperationException("implementation in progress");
    }

    /**
     * Opens an existing repository.
     *
     * @throws RepositoryNotFoundException if the target holds no repository
     * @throws WrongPassphraseException    if the passphrase / cluster key unwraps no key
     */
    public static BackupRepository open(ObjectStore store, Unlock unlock) {
        return open(store, unlock, RepositoryOptions.defaults());
    }

    public static BackupRepository open(ObjectStore store, Unlock unlock, RepositoryOptions options) {
        throw new UnsupportedOperationException("implementation in progress");
    }

    /** True if {@code store} holds a repository (its config object exists). */
    public static boolean exists(ObjectStore store) {
        throw new UnsupportedOperationException("implementation in progress");
    }

    /** Random id of this repository (hex), stable for its lifetime; copies have their own. */
    public String repositoryId() {
        throw new UnsupportedOperationException("implementation in progress");
    }

    /**
     * (Re-)wraps the master key with {@code clusterKey}, replacing an earlier cluster-key wrapping: how a new cluster
     * that opened the repository with the passphrase adopts it.
     */
    public void setClusterKey(byte[] clusterKey) {
        throw new UnsupportedOperationException("implementation in progress");
    }

    /**
     * Backs up the blocks {@link BackupSource#blocksToRead()} names, laid over the parent's extent map for
     * INCREMENTAL/DIFFERENTIAL. Packs and the index are durable before the manifest is written, so a crash leaves no
     * manifest referring to a missing chunk, and a retry re-uses every chunk already stored.
     *
     * @throws InvalidBackupRequestException incremental/differential without a parent, or block size mismatch
     * @throws BackupNotFoundException       the parent does not exist
     * @throws BackupCancelledException      cancelled; nothing is lost, a retry re-uses the packs written
     */
    public BackupManifest backup(BackupRequest request, BackupSource source, Progress progress,
                                 Cancellation cancellation) {
        throw new UnsupportedOperationException("implementation in progress");
    }

    /**
     * Restores a backup into {@code sink}, checking every chunk's GCM tag and keyed id before its bytes are written.
     *
     * @throws RestoreTargetTooSmallException before writing anything, if the sink is smaller than the backup
     * @throws ChunkCorruptedException        at the first bad or missing chunk, naming it and its volume range
     */
    public void restore(String backupId, RestoreSink sink, Progress progress, Cancellation cancellation) {
        throw new UnsupportedOperationException("implementation in progress");
    }

    /** Checks a backup without restoring: quick = presence and sizes; otherwise reads and checks every chunk. */
    public VerifyResult verify(String backupId, boolean quick, Progress progress, Cancellation cancellation) {
        throw new UnsupportedOperationException("implementation in progress");
    }

    /**
     * Copies a backup into another repository, transferring only the chunks the destination lacks (same manifest
     * header; the destination assigns a new id, returned in the result).
     */
    public CopyResult copyTo(String backupId, BackupRepository destination, Progress progress,
                             Cancellation cancellation) {
        throw new UnsupportedOperationException("implementation in progress");
    }

    /** Deletes a backup's manifest; its chunks are reclaimed by {@link #prune}. */
    public void delete(String backupId) {
        throw new UnsupportedOperationException("implementation in progress");
    }

    /**
     * Garbage-collects chunks no manifest references: deletes wholly unreferenced packs, rewrites packs with at least
     * {@link RepositoryOptions#repackUnusedRatio()} unreferenced bytes, consolidates index files. Takes the exclusive
     * lock (fails with {@link RepositoryLockedException} while a backup holds a live lock).
     */
    public PruneResult prune(Progress progress, Cancellation cancellation) {
        throw new UnsupportedOperationException("implementation in progress");
    }

    /** Every backup, oldest first (reads only manifest headers). */
    public List<BackupInfo> list() {
        throw new UnsupportedOperationException("implementation in progress");
    }

    /** The complete manifest (header and extent map) of one backup. */
    public BackupManifest manifest(String backupId) {
        throw new UnsupportedOperationException("implementation in progress");
    }

    /** Releases worker threads; does not close the object store (the caller owns it). */
    @Override
    public void close() {
    }
}
