package io.galleonfs.backup;

import java.time.Duration;

/**
 * Tuning of a repository handle (not stored in the repository; each process may choose its own).
 *
 * @param packTargetBytes   a pack is closed once it holds this many bytes (default 16 MiB: a 100 GiB volume is
 *                          ~6400 packs for incompressible data, far fewer for typical data; restic's packs are at
 *                          most 16 MiB by default, kopia's 20 MiB. It was 32 MiB: moto_server, the bench's S3
 *                          server, ingests a 32 MiB PUT 1.6-2.8 x slower per byte than 8-20 MiB ones, and every
 *                          pack buffer held during a backup is 16 MiB smaller)
 * @param zstdLevel         zstd level for chunks (default 3)
 * @param threads           workers for hashing/compressing/encrypting and for decrypting on restore
 * @param lockExpiry        a lock not refreshed for this long is stale (a crashed process) and ignored
 * @param repackUnusedRatio prune rewrites a pack when at least this share of its bytes is unreferenced (0 = any)
 * @param uploads           pack uploads in flight at once while the next pack fills (default 2: one S3 PUT waits on
 *                          the server, most of a pack's time there, so a second one keeps the target busy; each costs
 *                          one pack buffer, target + 2 MiB)
 */
public record RepositoryOptions(int packTargetBytes, int zstdLevel, int threads, Duration lockExpiry,
                                double repackUnusedRatio, int uploads) {
    /** Default pack target: see {@code packTargetBytes}. */
    public static final int DEFAULT_PACK_TARGET_BYTES = 16 << 20;
    /** Pack uploads in flight by default. */
    public static final int DEFAULT_UPLOADS = 2;

    public RepositoryOptions {
        if (uploads < 1) {
            throw new IllegalArgumentException("uploads must be at least 1, not " + uploads);
        }
    }

    public static RepositoryOptions defaults() {
        return new RepositoryOptions(DEFAULT_PACK_TARGET_BYTES, 3, Math.max(2, Runtime.getRuntime().availableProcessors()),
                Duration.ofMinutes(30), 0.1, DEFAULT_UPLOADS);
    }

    public RepositoryOptions withPackTargetBytes(int bytes) {
        return new RepositoryOptions(bytes, zstdLevel, threads, lockExpiry, repackUnusedRatio, uploads);
    }

    public RepositoryOptions withRepackUnusedRatio(double ratio) {
        return new RepositoryOptions(packTargetBytes, zstdLevel, threads, lockExpiry, ratio, uploads);
    }

    public RepositoryOptions withLockExpiry(Duration expiry) {
        return new RepositoryOptions(packTargetBytes, zstdLevel, threads, expiry, repackUnusedRatio, uploads);
    }

    public RepositoryOptions withThreads(int n) {
        return new RepositoryOptions(packTargetBytes, zstdLevel, n, lockExpiry, repackUnusedRatio, uploads);
    }

    public RepositoryOptions withUploads(int n) {
        return new RepositoryOptions(packTargetBytes, zstdLevel, threads, lockExpiry, repackUnusedRatio, n);
    }
}
