package io.galleonfs.node.meta;

import java.util.List;
import java.util.Map;

/** The seed's two default storage classes, created at a node's first start. */
public final class BuiltInStorageClasses {
    public static final String FAST_LOCAL_SSD = "fast-local-ssd";
    public static final String ENCRYPTED_STORAGE = "encrypted-storage";

    private BuiltInStorageClasses() {
    }

    public static List<StorageClassRecord> all() {
        return List.of(
                new StorageClassRecord(FAST_LOCAL_SSD, "galleonfs.io/local-ssd",
                        Map.of("disk_type", "ssd", "fs_type", "ext4", "encryption", "false"),
                        StorageClassRecord.ReclaimPolicy.Delete, StorageClassRecord.VolumeBindingMode.Immediate,
                        List.of(), List.of(), true),
                new StorageClassRecord(ENCRYPTED_STORAGE, "galleonfs.io/distributed",
                        Map.of("encryption", "true", "encryption_algorithm", "AES-256-GCM", "replication", "3"),
                        StorageClassRecord.ReclaimPolicy.Retain, StorageClassRecord.VolumeBindingMode.WaitForFirstConsumer,
                        List.of(), List.of(), true));
    }
}
