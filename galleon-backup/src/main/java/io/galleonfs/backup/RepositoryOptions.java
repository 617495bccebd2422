package io.galleonfs.backup;

import java.time.Duration;

/**
 * Tuning of a repository handle (not stored in the repository; each process may choose its own).
 *
 * @param packTargetBytes   a pack is closed once it holds this many bytes (default 32 MiB: a 100 GiB volume is
 *                          ~3200 packs for incompressible data, far fewer for typical data)
 * @param zstdLevel         zstd level for chunks (default 3)
 * @param threads           workers for hashing/compressing/encrypting and for decrypting on restore
 * @param lockExpiry        a lock not refreshed for this long is stale (a crashed process) and ignored
 * @param repackUnusedRatio prune rewrites a pack when at least this share of its bytes is unreferenced (0 = any)
 */
public record RepositoryOptions(int packTargetBytes, int zstdLevel, int threads, Duration lockExpiry,
                                double repackUnusedRatio) {
    public static RepositoryOptions defaults() {
        return new RepositoryOptions(32 << 20, 3, Math.max(2, Runtime.getRuntime().availableProcessors()),
                Duration.ofMinutes(30), 0.1);
    }

    public RepositoryOptions withPackTargetBytes(int bytes) {
        return new RepositoryOptions(bytes, zstdLevel, threads, lockExpiry, repackUnusedRatio);
    }

    public RepositoryOptions withRepackUnusedRatio(double ratio) {
        return new RepositoryOptions(packTargetBytes, zstdLevel, threads, lockExpiry, ratio);
    }

    public RepositoryOptions withLockExpiry(Duration expiry) {
        return new RepositoryOptions(packTargetBytes, zstdLevel, threads, expiry, repackUnusedRatio);
    }

    public RepositoryOptions withThreads(int n) {
        return new RepositoryOptions(packTargetBytes, zstdLevel, n, lockExpiry, repackUnusedRatio);
    }
}
