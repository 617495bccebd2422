package io.galleonfs.node.daemon;

import io.galleonfs.engine.SpaceStats;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Space facts of this node's storage file system, for metrics, {@code daemon status} and the heartbeat.
 *
 * @param capacityBytes    size of the file system holding the storage path
 * @param freeBytes        bytes free for writing (statvfs f_bavail); the reserve file counts as used
 * @param reservedBytes    the reserve client writes may not use
 * @param provisionedBytes sum of the sizes of the volumes with a copy on this node (thin: not what they use)
 * @param writesRefused    the engine met a full device and refuses every write until space is freed
 */
public record StorageSpace(long capacityBytes, long freeBytes, long reservedBytes, long provisionedBytes,
                           boolean writesRefused) {

    public static StorageSpace measure(Path storage, SpaceStats engine, long provisionedBytes) {
        long capacity = 0;
        long free = engine.availableBytes();
        try {
            FileStore store = Files.getFileStore(storage);
            capacity = store.getTotalSpace();
            if (free < 0) {
                free = store.getUsableSpace();
            }
        } catch (IOException e) {
            // Unmeasurable (the path vanished): report zeros rather than failing a status call.
        }
        return new StorageSpace(capacity, Math.max(0, free), engine.reservedBytes(), provisionedBytes,
                engine.writesRefused());
    }

    /** Thin-provisioning overcommit: provisioned volume sizes per byte of capacity (above 1 = overcommitted). */
    public double overcommit() {
        return overcommit(provisionedBytes, capacityBytes);
    }

    public static double overcommit(long provisionedBytes, long capacityBytes) {
        return capacityBytes <= 0 ? 0 : (double) provisionedBytes / capacityBytes;
    }
}
