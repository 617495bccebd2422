package io.galleonfs.node.replication;

import io.galleonfs.node.meta.ReplicaRecord;
import org.roaringbitmap.RoaringBitmap;

/**
 * The primary's view of one replica, and the only place its mode changes. Guarded by the owning primary's order lock
 * ({@link PrimaryState#order}).
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
    /** The epoch of the reset that started this copy's current rebuild (its mark namespace there); 0 before one. */
    long rebuildResetEpoch;
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

    /**
     * An ordered operation on blocks [first, last] is being sent: a link that receives writes gets it (true; the blocks
     * stay unflushed there unless the operation is durable on the replica); any other remembers the blocks as missed.
     */
    boolean ordered(long first, long last, boolean durableThere) {
        return switch (mode) {
            case IN_SYNC, REBUILDING -> {
                if (!durableThere) {
                    unflushed.add(first, last + 1);
                }
                yield true;
            }
            case STALE -> {
                dirty.add(first, last + 1);
                yield false;
            }
            // A rebuild that resumes after its cursor must resend these: they may lie before it.
            case NEEDS_REBUILD -> {
                unflushed.add(first, last + 1);
                yield false;
            }
        };
    }

    /** Missed a change of the content as a whole (snapshot, restore, expand): only a rebuild from a reset brings it back. */
    void missedStructuralChange() {
        mode = Mode.NEEDS_REBUILD;
        rebuildCursor = -1;
        resetNeeded = true;
    }

    /**
     * The replica failed an operation on {@code blocks}: an in-sync copy goes stale with everything it may not have (the
     * operation and what it had not flushed), a rebuilding one needs a rebuild. Returns whether it received writes.
     */
    boolean failed(RoaringBitmap blocks) {
        boolean wasReceiving = receivesWrites();
        switch (mode) {
            case IN_SYNC -> {
                lostWhileInSync();
                dirty.or(blocks);
            }
            case REBUILDING -> {
                mode = Mode.NEEDS_REBUILD;
                unflushed.or(blocks);
            }
            case STALE -> dirty.or(blocks);
            case NEEDS_REBUILD -> {
            }
        }
        return wasReceiving;
    }

    /** Away or restarted while in sync: stale, keeping the blocks it may not have made durable as the delta to send. */
    void lostWhileInSync() {
        mode = Mode.STALE;
        dirty.or(unflushed);
        unflushed = new RoaringBitmap();
    }

    /** Caught up (delta resync or rebuild done): receives every ordered operation from now on. */
    void inSync(long incarnation) {
        mode = Mode.IN_SYNC;
        this.incarnation = incarnation;
    }

    /** Hands the blocks sent since the last flush to a flush now in flight; new ones collect afresh. */
    RoaringBitmap takeUnflushed() {
        RoaringBitmap flushing = unflushed;
        unflushed = new RoaringBitmap();
        return flushing;
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
