package io.galleonfs.engine.lsm;

/**
 * Counters and sizes of a {@link LogStore}.
 *
 * @param records         records appended since open (writes, trims, drops, relocations)
 * @param durableRecords  of those, appended for a durable caller
 * @param batches         apply steps: each applies to the index the published records that continue the log (records /
 *                        batches is how many one step found ready)
 * @param fsyncs          fdatasyncs of segments for durable callers
 * @param checkpoints     checkpoints completed since open
 * @param replayedRecords records replayed by the recovery at open
 * @param segments        segment files
 * @param segmentBytes    bytes of all segment files (the current one preallocated)
 * @param liveBytes       bytes of records the index references
 * @param mappedBlocks    blocks with stored data, all volumes
 * @param indexHeapBytes  heap bytes of the extent index arrays
 */
public record LogStoreStats(long records, long durableRecords, long batches, long fsyncs, long checkpoints,
                            long replayedRecords, int segments, long segmentBytes, long liveBytes, long mappedBlocks,
                            long indexHeapBytes) {
}
