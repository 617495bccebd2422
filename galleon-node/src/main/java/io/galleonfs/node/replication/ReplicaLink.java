package io.galleonfs.node.replication;

import io.galleonfs.node.meta.ReplicaRecord;
import org.roaringbitmap.RoaringBitmap;

/**
 * The primary's view of one replica. Guarded by the owning {@link PrimaryVolume}'s order lock.
 * <ul>
 * <li>{@code IN_SYNC}: gets every ordered operation and is waited for;
 * <li>{@code STALE}: gets nothing; {@code dirty} holds every block it missed (delta resync when it returns);
 * <li>{@code NEEDS_REBUILD}: gets nothing and its missed blocks are unknown (full rebuild);
 * <li>{@code REBUILDING}: being copied; gets every ordered operation, is not counted as a healthy copy.
 * </ul>
 */
final class ReplicaLink {
    enum Mode { IN_SYNC, STALE, NEEDS_REBUILD, REBUILDING }

    final String nodeId;
    Mode mode;
    /** Blocks a stale replica missed. */
    RoaringBitmap dirty = new RoaringBitmap();
    /**
     * Blocks sent since the replica's last flush: lost if it crashes, so they join {@code dirty} when it goes stale. For
     * a copy waiting for a rebuild, also the blocks written meanwhile: a rebuild that resumes after its cursor resends them.
     */
    RoaringBitmap unflushed = new RoaringBitmap();
    /** The replica's process incarnation while it is in sync; another one means it restarted. */
    long incarnation;
    /** Bytes sent to catch this replica up, for the delta-resync figure (SPEC P7). */
    long resyncBytes;
    int progress;
    /** Last block a rebuild copied and saw flushed on the replica; -1 before the first checkpoint. */
    long rebuildCursor = -1;
    /**
     * Whether metadata last recorded this copy healthy (as far as this primary knows). While it is, a failover may
     * promote it, so no write it misses may be acknowledged: a stale mark whose commit failed is retried first.
     */
    volatile boolean recordedHealthy;
    /** The copy missed a structural operation (snapshot, restore, expand) since its rebuild's cursor: no resume. */
    boolean resetNeeded;
    /** Set while a resync or rebuild task owns this link. */
    boolean syncing;
    /**
     * Operations and bytes sent to this replica and not answered yet (its lag), and a rebuild's progress in bytes. Read
     * without the order lock by metrics, hence atomic/volatile.
     */
    final java.util.concurrent.atomic.AtomicLong lagOps = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong lagBytes = new java.util.concurrent.atomic.AtomicLong();
    volatile long rebuildDoneBytes;
    volatile long rebuildTotalBytes;

    ReplicaLink(String nodeId, Mode mode) {
        this.nodeId = nodeId;
        this.mode = mode;
    }

    boolean receivesWrites() {
        return mode == Mode.IN_SYNC || mode == Mode.REBUILDING;
    }

    String state() {
        return switch (mode) {
            case IN_SYNC -> ReplicaRecord.HEALTHY;
            case STALE, NEEDS_REBUILD -> ReplicaRecord.STALE;
            case REBUILDING -> ReplicaRecord.REBUILDING;
        };
    }
}
