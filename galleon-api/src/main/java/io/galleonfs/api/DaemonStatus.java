package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Runtime facts of one node, for {@code daemon status}. */
public record DaemonStatus(
        String version,
        @JsonProperty("node_id") String nodeId,
        long pid,
        @JsonProperty("started_at") String startedAt,
        @JsonProperty("uptime_seconds") long uptimeSeconds,
        @JsonProperty("volume_count") int volumeCount,
        @JsonProperty("storage_path") String storagePath,
        @JsonProperty("storage_used_bytes") long storageUsedBytes,
        @JsonProperty("storage_free_bytes") long storageFreeBytes,
        @JsonProperty("ipc_address") String ipcAddress,
        @JsonProperty("bind_address") String bindAddress,
        /** Size of the file system holding the storage path. */
        @JsonProperty("storage_capacity_bytes") long storageCapacityBytes,
        /** Free space kept for the node: client writes get 507 Insufficient Storage below it. */
        @JsonProperty("storage_reserved_bytes") long storageReservedBytes,
        /** Sum of the sizes of the volumes with a copy on this node. */
        @JsonProperty("provisioned_bytes") long provisionedBytes,
        /** provisioned_bytes / storage_capacity_bytes: above 1 the node is thin-provisioned beyond its disk. */
        @JsonProperty("overcommit_ratio") double overcommitRatio,
        /** True while the engine waits for space after the device filled up: every write gets 507. */
        @JsonProperty("writes_refused") boolean writesRefused) {
}
