package io.galleonfs.backup;

/** One chunk that failed verification, with the first volume range it backs. */
public record ChunkProblem(String chunkId, String packId, long volumeOffset, long length, String reason) {
}
