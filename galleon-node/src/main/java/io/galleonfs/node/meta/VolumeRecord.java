package io.galleonfs.node.meta;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import java.util.List;
import java.util.UUID;

/** A volume as the metadata state machine knows it. Immutable; changes are new records produced by commands. */
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
        List<MountRecord> mounts) {

    public VolumeRecord {
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
    }

    public VolumeRecord withSize(long newSize) {
        return new VolumeRecord(id, name, volumeType, newSize, blockSize, storageClass, replicas, accessMode, encrypted,
                createdAtMillis, node, mounts);
    }

    public VolumeRecord withMounts(List<MountRecord> newMounts) {
        return new VolumeRecord(id, name, volumeType, sizeBytes, blockSize, storageClass, replicas, accessMode, encrypted,
                createdAtMillis, node, newMounts);
    }
}
