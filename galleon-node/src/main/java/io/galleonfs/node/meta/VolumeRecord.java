package io.galleonfs.node.meta;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import java.util.List;
import java.util.UUID;

/**
 * A volume as the metadata state machine knows it. Immutable; changes are new records produced by commands.
 * {@code node} is the primary (holds the data and serves I/O); {@code replicaNodes} lists every placed copy, primary first.
 */
public record VolumeRecord(
        UUID id,
        String name,
        VolumeType volumeType,
        long sizeBytes,
        int blockSize,
        String storageClass,
        int replicas,
        AccessMode accessMode,
        boolean encrypted,
        long createdAtMillis,
        String node,
        List<MountRecord> mounts,
        List<String> replicaNodes) {

    public VolumeRecord {
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
        replicaNodes = replicaNodes == null || replicaNodes.isEmpty() ? (node == null ? List.of() : List.of(node)) : List.copyOf(replicaNodes);
    }

    /** A volume whose only copy is on {@code node}. */
    public VolumeRecord(UUID id, String name, VolumeType volumeType, long sizeBytes, int blockSize, String storageClass,
                        int replicas, AccessMode accessMode, boolean encrypted, long createdAtMillis, String node,
                        List<MountRecord> mounts) {
        this(id, name, volumeType, sizeBytes, blockSize, storageClass, replicas, accessMode, encrypted, createdAtMillis, node,
                mounts, List.of());
    }

    public VolumeRecord withSize(long newSize) {
        return new VolumeRecord(id, name, volumeType, newSize, blockSize, storageClass, replicas, accessMode, encrypted,
                createdAtMillis, node, mounts, replicaNodes);
    }

    public VolumeRecord withMounts(List<MountRecord> newMounts) {
        return new VolumeRecord(id, name, volumeType, sizeBytes, blockSize, storageClass, replicas, accessMode, encrypted,
                createdAtMillis, node, newMounts, replicaNodes);
    }
}
