package io.galleonfs.node.replication;

import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.VolumeRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/** What a {@link PrimaryVolume} needs from its node: the data plane, metadata and policy. */
interface PrimaryContext {
    DataTransport client();

    Optional<HostPort> dataAddress(String nodeId);

    /** Whether a node is up in the cluster view (reachable, so a copy there can catch up). */
    boolean nodeUp(String nodeId);

    /** The last incarnation seen of a node's process (0 if never). */
    long incarnation(String nodeId);

    /** Commits a metadata change; throws if it was refused or cannot be committed (no majority). */
    void commit(MetaCommand command) throws IOException;

    ReplicaApplier applier();

    Duration replicaTimeout();

    /** How long a replicated or distributed write waits for a reachable copy that is catching up. */
    default Duration catchUpWait() {
        return PrimaryVolume.CATCH_UP_WAIT;
    }

    /** The clock of the catch-up deadline; the system clock in a node, a manual one in tests. */
    default Ticker ticker() {
        return Ticker.SYSTEM;
    }

    /** Rebuild batches between flush checkpoints (64 MiB of 4 KiB blocks in a node; tests checkpoint more often). */
    default int rebuildCheckpointBatches() {
        return PrimaryVolume.FLUSH_EVERY_BATCHES;
    }

    /** Copies (the primary included) that must be healthy for the volume to take writes. */
    int minHealthyCopies(VolumeRecord v);

    boolean asynchronous(VolumeRecord v);

    /** Blocks until the rebuild throttle grants {@code bytes}. */
    void throttleRebuild(long bytes) throws InterruptedException;

    /** Blocks for the node's background QoS class before background {@code work} reads ({@code "scrub"}). */
    default void throttleBackground(String work, long ops, long bytes) {
    }

    ReplicationMetrics metrics();

    /** The last rebuild checkpoint saved for this copy, or null. */
    RebuildCursors.Cursor rebuildCursor(java.util.UUID volume, String node);

    void saveRebuildCursor(java.util.UUID volume, String node, RebuildCursors.Cursor cursor);

    void forgetRebuildCursor(java.util.UUID volume, String node);
}
