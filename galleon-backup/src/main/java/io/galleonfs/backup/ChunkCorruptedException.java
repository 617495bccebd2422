package io.galleonfs.backup;

/**
 * A chunk failed its AES-GCM tag or its keyed id (HMAC-SHA256) check, or its pack is missing or short. Restore stops
 * at the first such chunk so no wrong data is ever written silently.
 *
 * @param chunkId      hex id of the chunk
 * @param packId       hex id of the pack that should hold it (may be null if no index names it)
 * @param volumeOffset first volume byte the chunk backs in the backup being restored or verified
 * @param length       number of volume bytes backed by it at that offset
 */
public class ChunkCorruptedException extends BackupException {
    private final String chunkId;
    private final String packId;
    private final long volumeOffset;
    private final long length;

    public ChunkCorruptedException(String chunkId, String packId, long volumeOffset, long length, String reason,
                                   Throwable cause) {
        super("chunk " + chunkId + (packId == null ? "" : " in pack " + packId) + " backing volume bytes ["
                + volumeOffset + ", " + (volumeOffset + length) + ") is corrupted: " + reason, cause);
        this.chunkId = chunkId;
        this.packId = packId;
        this.volumeOffset = volumeOffset;
        this.length = length;
    }

    public String chunkId() {
        return chunkId;
    }

    public String packId() {
        return packId;
    }

    public long volumeOffset() {
        return volumeOffset;
    }

    public long length() {
        return length;
    }
}
