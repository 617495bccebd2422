package io.galleonfs.engine.lsm;

import java.nio.file.Path;

/**
 * Settings of a {@link LogStore}.
 *
 * @param root            directory of the store (segments, checkpoint, lock)
 * @param blockSize       bytes per block, a power of two from 512 to 1 MiB; fixed for the store's lifetime
 * @param segmentBytes    size of a segment file (preallocated); at least 64 records, at most 1 GiB
 * @param checkpointBytes log bytes appended after which the writer starts a checkpoint on its own
 */
public record LogStoreConfig(Path root, int blockSize, long segmentBytes, long checkpointBytes) {
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    public static final long DEFAULT_CHECKPOINT_BYTES = 1L << 30;

    public LogStoreConfig {
        if (root == null) {
            throw new IllegalArgumentException("root is required");
        }
        if (blockSize < 512 || blockSize > (1 << 20) || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size must be a power of two from 512 to 1048576: " + blockSize);
        }
        long minSegment = LogFormat.SEGMENT_HEADER + 64L * LogFormat.dataRecordLength(blockSize);
        if (segmentBytes < minSegment || segmentBytes > (1L << 30)) {
            throw new IllegalArgumentException("segment size must be between " + minSegment + " and 1 GiB: "
                    + segmentBytes);
        }
        if (checkpointBytes <= 0) {
            throw new IllegalArgumentException("checkpoint interval must be positive: " + checkpointBytes);
        }
    }

    /** 64 MiB segments, a checkpoint per GiB of log. */
    public static LogStoreConfig defaults(Path root, int blockSize) {
        return new LogStoreConfig(root, blockSize, DEFAULT_SEGMENT_BYTES, DEFAULT_CHECKPOINT_BYTES);
    }
}
