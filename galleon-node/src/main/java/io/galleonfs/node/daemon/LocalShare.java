package io.galleonfs.node.daemon;

import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.VolumeRecord;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** The copies a node holds in one metadata state: how many, and the sum of their volumes' sizes (thin provisioning). */
record LocalShare(MetadataState state, int replicas, long provisionedBytes) {

    /**
     * The share in {@code state}. A state copied from {@code previous}'s differs by the volumes its entry changed, so only
     * those are recounted (a create asks twice, for placement and for its answer's health, and a full count is a walk over
     * every volume); any other state is counted in full.
     */
    static LocalShare of(LocalShare previous, MetadataState state, String nodeId) {
        Optional<Set<UUID>> changed = previous == null ? Optional.empty() : state.volumesChangedSince(previous.state());
        int replicas = 0;
        long provisioned = 0;
        if (changed.isPresent()) {
            replicas = previous.replicas();
            provisioned = previous.provisionedBytes();
            for (UUID id : changed.get()) {
                VolumeRecord before = previous.state().volume(id).filter(v -> v.replicaNodes().contains(nodeId)).orElse(null);
                VolumeRecord now = state.volume(id).filter(v -> v.replicaNodes().contains(nodeId)).orElse(null);
                if (before != null) {
                    replicas--;
                    provisioned -= before.sizeBytes();
                }
                if (now != null) {
                    replicas++;
                    provisioned += now.sizeBytes();
                }
            }
        } else {
            for (VolumeRecord v : state.volumes()) {
                if (v.replicaNodes().contains(nodeId)) {
                    replicas++;
                    provisioned += v.sizeBytes();
                }
            }
        }
        return new LocalShare(state, replicas, provisioned);
    }
}
