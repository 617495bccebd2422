package io.galleonfs.engine.lsm;

/**
 * What one {@link LogStore#clean} pass did.
 *
 * @param victimSegments  sealed segments chosen because their live fraction was at most the threshold
 * @param blocksMoved     live blocks rewritten to the head of the log
 * @param segmentsDeleted segment files deleted by the checkpoint that ended the pass
 * @param bytesFreed      bytes of the deleted segment files
 */
public record CleanResult(int victimSegments, long blocksMoved, int segmentsDeleted, long bytesFreed) {
}
