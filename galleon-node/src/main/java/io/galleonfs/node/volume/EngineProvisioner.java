package io.galleonfs.node.volume;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.node.meta.VolumeRecord;
import java.io.IOException;
import java.util.UUID;
import org.jboss.logging.Logger;

/** Provisions volumes in this node's block engine. */
public final class EngineProvisioner implements VolumeProvisioner {
    private static final Logger LOG = Logger.getLogger(EngineProvisioner.class);

    private final BlockEngine engine;

    public EngineProvisioner(BlockEngine engine) {
        this.engine = engine;
    }

    @Override
    public void provision(VolumeRecord v) {
        try {
            engine.create(v.id(), v.sizeBytes(), v.encrypted());
        } catch (IOException e) {
            throw EngineErrors.translate(v.name(), e);
        }
    }

    @Override
    public void release(UUID id) {
        if (engine.find(id).isEmpty()) {
            return;
        }
        try {
            engine.delete(id);
        } catch (io.galleonfs.engine.NoSuchVolumeException e) {
            // This node's storage watcher saw the same delete in the metadata and removed the storage first: done.
            LOG.debugf("volume %s: storage already removed", id);
        } catch (IOException e) {
            LOG.warnf(e, "could not remove the data of deleted volume %s; it is removed at the next start", id);
        }
    }
}
