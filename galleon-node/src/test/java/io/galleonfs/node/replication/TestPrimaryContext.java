package io.galleonfs.node.replication;

import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.VolumeRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The node around one primary in tests: a transport, a metadata record that replica-state commits update (checked
 * against the epoch as the Raft state machine does, and refused while the node is cut off from the majority), and a
 * node-up set. Several contexts may share one record: the cluster's metadata, as primaries of successive epochs see it.
 */
final class TestPrimaryContext implements PrimaryContext {
    final AtomicReference<VolumeRecord> record;
    final Map<String, Long> incarnations = new ConcurrentHashMap<>();
    final Set<String> up = ConcurrentHashMap.newKeySet();
    final List<MetaCommand> commits = new CopyOnWriteArrayList<>();
    final ReplicationMetrics metrics = new ReplicationMetrics();
    final Map<String, RebuildCursors.Cursor> cursors = new ConcurrentHashMap<>();
    volatile DataTransport transport;
    volatile Function<String, HostPort> addresses;
    volatile ReplicaApplier applier;
    volatile Duration replicaTimeout = Duration.ofSeconds(5);
    volatile Duration catchUpWait = Duration.ofMinutes(10);
    volatile Ticker ticker = Ticker.SYSTEM;
    volatile int checkpointBatches = PrimaryVolume.FLUSH_EVERY_BATCHES;
    /** False while this node is cut off from the metadata majority: every commit fails. */
    volatile boolean metadataReachable = true;

    TestPrimaryContext(VolumeRecord v) {
        this(new AtomicReference<>(v));
    }

    TestPrimaryContext(AtomicReference<VolumeRecord> shared) {
        record = shared;
    }

    @Override
    public DataTransport client() {
        return transport;
    }

    @Override
    public Optional<HostPort> dataAddress(String nodeId) {
        return Optional.ofNullable(addresses.apply(nodeId));
    }

    @Override
    public boolean nodeUp(String nodeId) {
        return up.contains(nodeId);
    }

    @Override
    public long incarnation(String nodeId) {
        return incarnations.getOrDefault(nodeId, 0L);
    }

    @Override
    public void commit(MetaCommand command) throws IOException {
        if (!metadataReachable) {
            throw new IOException("no metadata majority reachable (injected)");
        }
        if (command instanceof MetaCommand.SetReplicaState s) {
            // As ReplicaTransitions.setState: only the current epoch's primary may change replica states.
            synchronized (record) {
                VolumeRecord v = record.get();
                if (v.epoch() != s.epoch()) {
                    throw new IOException("volume '" + v.name() + "' is at epoch " + v.epoch() + ", not " + s.epoch()
                            + ": the sender is no longer its primary");
                }
                record.set(v.withReplicaState(s.nodeId(), s.state()));
            }
        }
        commits.add(command);
    }

    @Override
    public ReplicaApplier applier() {
        return applier;
    }

    @Override
    public Duration replicaTimeout() {
        return replicaTimeout;
    }

    @Override
    public Duration catchUpWait() {
        return catchUpWait;
    }

    @Override
    public Ticker ticker() {
        return ticker;
    }

    @Override
    public int rebuildCheckpointBatches() {
        return checkpointBatches;
    }

    @Override
    public int minHealthyCopies(VolumeRecord v) {
        return 1;
    }

    @Override
    public boolean asynchronous(VolumeRecord v) {
        return false;
    }

    @Override
    public void throttleRebuild(long bytes) {
    }

    @Override
    public ReplicationMetrics metrics() {
        return metrics;
    }

    @Override
    public RebuildCursors.Cursor rebuildCursor(UUID volume, String node) {
        return cursors.get(node);
    }

    @Override
    public void saveRebuildCursor(UUID volume, String node, RebuildCursors.Cursor cursor) {
        cursors.put(node, cursor);
    }

    @Override
    public void forgetRebuildCursor(UUID volume, String node) {
        cursors.remove(node);
    }
}
