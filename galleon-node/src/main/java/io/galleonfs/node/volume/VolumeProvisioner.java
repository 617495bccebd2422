package io.galleonfs.node.volume;

import io.galleonfs.node.meta.VolumeRecord;
import java.util.UUID;

/** Creates and removes the stored data of volumes (on a node: the block engine). */
public interface VolumeProvisioner {

    /** Allocates the (thin) storage of a volume about to be recorded in metadata. */
    void provision(VolumeRecord volume);

    /** Removes the storage of a volume no longer in metadata. Must tolerate a volume that has no storage. */
    void release(UUID id);
}
