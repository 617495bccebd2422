package io.galleonfs.node.daemon;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.VolumeRecord;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Keeps this node's engine in step with replicated metadata for volumes with a copy on this node whose create or
 * delete was accepted by another node (or whose copy moved here or away): storage is created when such a volume appears and removed when it
 * disappears. Only transitions seen between two states count, so a local create in progress (storage made, metadata
 * not yet committed) is never mistaken for an orphan.
 */
final class VolumeStorageWatcher {
    private static final Logger LOG = Logger.getLogger(VolumeStorageWatcher.class);

    private final String nodeId;
    private final BlockEngine engine;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "galleon-volume-watcher");
        t.setDaemon(true);
        return t;
    });
    private Map<UUID, VolumeRecord> seen = new HashMap<>();

    VolumeStorageWatcher(String nodeId, BlockEngine engine, MetadataState initial) {
        this.nodeId = nodeId;
        this.engine = engine;
        initial.volumes().stream().filter(this::mine).forEach(v -> seen.put(v.id(), v));
    }

    private boolean mine(VolumeRecord v) {
        return v.replicaNodes().contains(nodeId);
    }

    /** Called on the Raft apply thread: hands the work to a single ordered worker. */
    void onChange(MetadataState state) {
        Map<UUID, VolumeRecord> now = new HashMap<>();
        state.volumes().stream().filter(this::mine).forEach(v -> now.put(v.id(), v));
        Map<UUID, VolumeRecord> before = seen;
        seen = now;
        for (VolumeRecord v : now.values()) {
            if (!before.containsKey(v.id())) {
                worker.submit(() -> provision(v));
            }
        }
        for (VolumeRecord v : before.values()) {
            if (!now.containsKey(v.id())) {
                worker.submit(() -> release(v));
            }
        }
    }

    private void provision(VolumeRecord v) {
        if (engine.find(v.id()).isPresent()) {
            return;
        }
        try {
            engine.create(v.id(), v.sizeBytes(), v.encrypted());
            LOG.infof("volume %s placed on this node: storage created", v.name());
        } catch (IOException e) {
            LOG.errorf(e, "volume %s placed on this node but its storage could not be created", v.name());
        }
    }

    private void release(VolumeRecord v) {
        if (engine.find(v.id()).isEmpty()) {
            return;
        }
        try {
            engine.delete(v.id());
            LOG.infof("volume %s deleted: storage removed", v.name());
        } catch (IOException e) {
            LOG.warnf(e, "volume %s deleted but its storage could not be removed; it is removed at the next start", v.name());
        }
    }

    void close() {
        worker.shutdown();
    }
}
