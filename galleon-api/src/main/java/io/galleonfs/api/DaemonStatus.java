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
        @JsonProperty("bind_address") String bindAddress) {
}
