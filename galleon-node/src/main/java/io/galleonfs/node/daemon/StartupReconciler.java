package io.galleonfs.node.daemon;

import io.galleonfs.api.VolumeType;
import io.galleonfs.engine.BlockEngine;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.VolumeService;
import java.io.IOException;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Brings engine storage and metadata back into agreement after a crash: storage without a metadata record (a create
 * or delete interrupted between its two steps) is removed, and ephemeral volumes, which live only as long as the
 * daemon that made them, are deleted.
 */
final class StartupReconciler {
    private static final Logger LOG = Logger.getLogger(StartupReconciler.class);

    private final MetadataStore metadata;
    private final BlockEngine engine;
    private final VolumeService volumes;
    private final String nodeId;

    StartupReconciler(MetadataStore metadata, BlockEngine engine, VolumeService volumes, String nodeId) {
        this.metadata = metadata;
        this.engine = engine;
        this.volumes = volumes;
        this.nodeId = nodeId;
    }

    void reconcile() throws IOException {
        Set<UUID> known = metadata.state().volumes().stream().map(VolumeRecord::id).collect(Collectors.toSet());
        Set<UUID> placedHere = metadata.state().volumes().stream().filter(v -> v.replicaNodes().contains(nodeId))
                .map(VolumeRecord::id).collect(Collectors.toSet());
        for (UUID id : Set.copyOf(engine.volumeIds())) {
            if (!known.contains(id)) {
                LOG.warnf("removing storage of volume %s: it has no metadata record (an interrupted create or delete)", id);
                engine.delete(id);
            } else if (!placedHere.contains(id)) {
                LOG.warnf("removing storage of volume %s: its copy moved to other nodes while this one was away", id);
                engine.delete(id);
            }
        }
        for (VolumeRecord v : metadata.state().volumes()) {
            if (nodeId.equals(v.node()) && engine.find(v.id()).isEmpty()) {
                LOG.errorf("volume %s (%s) is in metadata but its data is missing under the storage path", v.name(), v.id());
            }
        }
        removeEphemeralVolumes("they did not survive the previous daemon");
    }

    void removeEphemeralVolumes(String why) {
        for (VolumeRecord v : metadata.state().volumes()) {
            if (v.volumeType() == VolumeType.EPHEMERAL && nodeId.equals(v.node())) {
                try {
                    volumes.delete(v.id().toString(), true);
                    LOG.infof("ephemeral volume %s deleted: %s", v.name(), why);
                } catch (GalleonException | java.io.UncheckedIOException e) {
                    LOG.warnf("ephemeral volume %s could not be deleted: %s", v.name(), e.getMessage());
                }
            }
        }
    }
}
