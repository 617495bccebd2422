package io.galleonfs.engine;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Configuration of one {@link BlockEngine}.
 *
 * @param root                   directory that holds the journal and all volumes of this node
 * @param blockSize              block size of volumes created by this engine; existing volumes keep
 *                               the block size they were created with
 * @param journalCheckpointBytes journal size that triggers a checkpoint; bounds recovery time
 * @param maxDirtyBytes          writes wait while more than this many bytes are acknowledged but not
 *                               yet applied to the layer files
 * @param keyProvider            wraps per-volume data keys; may be {@code null} when no volume is
 *                               encrypted
 * @param reservedBytes          free space kept for the engine itself (replay, checkpoints, deletes) and
 *                               the rest of the node: client writes are refused with
 *                               {@link OutOfSpaceException} once they would leave less than this free
 * @param freeSpace              how free space is measured; {@code null} = the file system of {@code root}
 * @param readCacheBytes         bound of the cache of decrypted blocks shared by the encrypted volumes (0 = none);
 *                               plain volumes are served by the kernel's page cache and do not use it
 * @param format                 the {@link StorageFormat} a new root gets ({@link StorageFormat#LAYERS_V1} by default); an
 *                               existing root keeps its own and is refused by {@link BlockEngine#open} when it differs
 */
public record EngineConfig(Path root, int blockSize, long journalCheckpointBytes, long maxDirtyBytes,
                           KeyProvider keyProvider, long reservedBytes, FreeSpace freeSpace, long readCacheBytes,
                           String format) {

    public static final int MIN_BLOCK_SIZE = 512;
    public static final int MAX_BLOCK_SIZE = 1 << 20;
    public static final long DEFAULT_CHECKPOINT_BYTES = 64L << 20;
    public static final long DEFAULT_MAX_DIRTY_BYTES = 64L << 20;
    /** 32 MiB of decrypted 4 KiB blocks: 8,192 blocks, a small share of a node's heap. */
    public static final long DEFAULT_READ_CACHE_BYTES = 32L << 20;

    public EngineConfig {
        Objects.requireNonNull(root, "root");
        if (!validBlockSize(blockSize)) {
            throw new IllegalArgumentException("block size must be a power of two between "
                    + MIN_BLOCK_SIZE + " and " + MAX_BLOCK_SIZE + ": " + blockSize);
        }
        if (journalCheckpointBytes <= 0) {
            throw new IllegalArgumentException("journalCheckpointBytes must be positive: " + journalCheckpointBytes);
        }
        if (maxDirtyBytes < blockSize) {
            throw new IllegalArgumentException("maxDirtyBytes must be at least one block: " + maxDirtyBytes);
        }
        if (reservedBytes < 0) {
            throw new IllegalArgumentException("reservedBytes must not be negative: " + reservedBytes);
        }
        if (readCacheBytes < 0) {
            throw new IllegalArgumentException("readCacheBytes must not be negative: " + readCacheBytes);
        }
        if (!StorageFormat.known(format)) {
            throw new IllegalArgumentException("unknown engine format: " + format);
        }
    }

    public EngineConfig(Path root, int blockSize, long journalCheckpointBytes, long maxDirtyBytes,
                        KeyProvider keyProvider, long reservedBytes, FreeSpace freeSpace, long readCacheBytes) {
        this(root, blockSize, journalCheckpointBytes, maxDirtyBytes, keyProvider, reservedBytes, freeSpace, readCacheBytes,
                StorageFormat.LAYERS_V1);
    }

    public EngineConfig(Path root, int blockSize, long journalCheckpointBytes, long maxDirtyBytes,
                        KeyProvider keyProvider, long reservedBytes, FreeSpace freeSpace) {
        this(root, blockSize, journalCheckpointBytes, maxDirtyBytes, keyProvider, reservedBytes, freeSpace, DEFAULT_READ_CACHE_BYTES);
    }

    /** No reserve, free space of the root's file system. */
    public EngineConfig(Path root, int blockSize, long journalCheckpointBytes, long maxDirtyBytes,
                        KeyProvider keyProvider) {
        this(root, blockSize, journalCheckpointBytes, maxDirtyBytes, keyProvider, 0, null);
    }

    public EngineConfig withReserve(long bytes) {
        return new EngineConfig(root, blockSize, journalCheckpointBytes, maxDirtyBytes, keyProvider, bytes, freeSpace, readCacheBytes, format);
    }

    public EngineConfig withReadCache(long bytes) {
        return new EngineConfig(root, blockSize, journalCheckpointBytes, maxDirtyBytes, keyProvider, reservedBytes, freeSpace, bytes, format);
    }

    public EngineConfig withFreeSpace(FreeSpace probe) {
        return new EngineConfig(root, blockSize, journalCheckpointBytes, maxDirtyBytes, keyProvider, reservedBytes, probe, readCacheBytes, format);
    }

    /** The same settings for a new root in {@code storageFormat} ({@link StorageFormat#LAYERS_V1} or {@link StorageFormat#LOG_V1}). */
    public EngineConfig withFormat(String storageFormat) {
        return new EngineConfig(root, blockSize, journalCheckpointBytes, maxDirtyBytes, keyProvider, reservedBytes, freeSpace,
                readCacheBytes, storageFormat);
    }

    public EngineConfig withRoot(Path newRoot) {
        return new EngineConfig(newRoot, blockSize, journalCheckpointBytes, maxDirtyBytes, keyProvider, reservedBytes, freeSpace,
                readCacheBytes, format);
    }

    public static EngineConfig defaults(Path root, int blockSize, KeyProvider keyProvider) {
        return new EngineConfig(root, blockSize, DEFAULT_CHECKPOINT_BYTES, DEFAULT_MAX_DIRTY_BYTES, keyProvider);
    }

    static boolean validBlockSize(int blockSize) {
        return blockSize >= MIN_BLOCK_SIZE && blockSize <= MAX_BLOCK_SIZE && Integer.bitCount(blockSize) == 1;
    }
}
