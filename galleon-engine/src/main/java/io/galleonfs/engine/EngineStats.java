package io.galleonfs.engine;

/**
 * Node-wide engine counters.
 *
 * @param bytesOnDisk   bytes the file system actually allocated for all files under the root (holes excluded)
 * @param journalBytes  size of the current journal file
 * @param volumes       number of volumes
 * @param durableWrites writes that asked for {@link WriteConcern#DURABLE} since open
 * @param fsyncs        fsync/fdatasync calls the engine issued since open (journal group commits,
 *                      checkpoints, metadata); far below durableWrites under concurrency thanks to group commit
 */
public record EngineStats(long bytesOnDisk, long journalBytes, int volumes, long durableWrites, long fsyncs) {
}
