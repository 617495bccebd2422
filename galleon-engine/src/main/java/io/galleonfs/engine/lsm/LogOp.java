package io.galleonfs.engine.lsm;

import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** What callers hand to the {@link LogWriter} thread (plain client writes append on their own threads). */
sealed interface LogOp {
    /**
     * One record to append and apply to the index. Completes with whether the index changed (false only for a
     * relocation that lost to a newer write or trim) once the record is visible to readers, and, when
     * {@code durable}, after the segment was fdatasynced.
     *
     * @param arg     TRIM: block count; RELOCATE: the location the block is moved from; else 0
     * @param payload WRITE/RELOCATE: the stored block (read, never modified, by the writer thread); version
     *                operations: their payload (name, clone source); else null
     */
    record Append(byte type, UUID volume, long block, long arg, int dataCrc, ByteBuffer payload, boolean durable,
                  CompletableFuture<Boolean> done) implements LogOp {
    }

    /** Flush, fsync, snapshot the index and persist it; completes once the checkpoint file is durable. */
    record CheckpointRequest(CompletableFuture<Void> done) implements LogOp {
    }

    /** Ends the writer after everything queued before it; with {@code checkpoint} false, like a crash. */
    record Stop(boolean checkpoint, CompletableFuture<Void> done) implements LogOp {
    }
}
