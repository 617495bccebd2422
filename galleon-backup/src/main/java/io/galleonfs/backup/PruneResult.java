package io.galleonfs.backup;

/**
 * Outcome of {@link BackupRepository#prune}.
 *
 * @param chunksLive       chunks referenced by at least one manifest
 * @param chunksRemoved    unreferenced chunks dropped (deleted with their pack or left out of a rewritten pack)
 * @param packsDeleted     packs deleted (wholly unreferenced, or replaced by a rewrite)
 * @param packsRewritten   packs whose live chunks were copied into new packs
 * @param bytesFreed       bytes of deleted objects minus bytes of rewritten ones
 * @param indexFilesBefore index objects before the prune (they are consolidated into a few)
 */
public record PruneResult(long chunksLive, long chunksRemoved, int packsDeleted, int packsRewritten,
                          long bytesFreed, int indexFilesBefore, int indexFilesAfter) {
}
