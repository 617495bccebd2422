package io.galleonfs.node.daemon;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.VolumeRecord;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
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
    private final Map<UUID, VolumeRecord> seen = new HashMap<>();
    private MetadataState last;

    VolumeStorageWatcher(String nodeId, BlockEngine engine, MetadataState initial) {
        this.nodeId = nodeId;
        this.engine = engine;
        initial.volumes().stream().filter(this::mine).forEach(v -> seen.put(v.id(), v));
        last = initial;
    }

    private boolean mine(VolumeRecord v) {
        return v.replicaNodes().contains(nodeId);
    }

    /**
     * Called on the Raft apply thread: hands the work to a single ordered worker. This runs for every applied entry on
     * every node, so when the state was copied from the one seen last only the volumes the entry changed are looked at
     * (a walk over all volumes, with a fresh map of this node's, was a sixth of the apply thread's CPU with thousands of
     * volumes); otherwise (the first state, a snapshot installed) all of them. {@code seen} then holds exactly this
     * node's volumes again.
     */
    void onChange(MetadataState state) {
        java.util.Optional<java.util.Set<UUID>> changed = state.volumesChangedSince(last);
        last = state;
        if (changed.isPresent()) {
            for (UUID id : changed.get()) {
                VolumeRecord now = state.volume(id).filter(this::mine).orElse(null);
                if (now != null) {
                    if (seen.putIfAbsent(id, now) == null) {
                        worker.submit(() -> provision(now));
                    }
                } else {
                    VolumeRecord was = seen.remove(id);
                    if (was != null) {
                        worker.submit(() -> release(was));
                    }
                }
            }
            return;
        }
        int mineNow = 0;
        for (VolumeRecord v : state.volumes()) {
            if (mine(v)) {
                mineNow++;
                if (seen.putIfAbsent(v.id(), v) == null) {
                    worker.submit(() -> provision(v));
                }
            }
        }
        if (mineNow != seen.size()) { // some volume seen before is gone, or its copy here moved away
            for (Iterator<VolumeRecord> it = seen.values().iterator(); it.hasNext(); ) {
                VolumeRecord v = it.next();
                if (state.volume(v.id()).filter(this::mine).isEmpty()) {
                    it.remove();
                    worker.submit(() -> release(v));
                }
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
        } catch (io.galleonfs.engine.NoSuchVolumeException e) {
            // The node that took the delete is this one, and its own release removed the storage first: done.
            LOG.debugf("volume %s deleted: storage already removed", v.name());
        } catch (IOException e) {
            LOG.warnf(e, "volume %s deleted but its storage could not be removed; it is removed at the next start", v.name());
        }
    }

    void close() {
        worker.shutdown();
    }
}
