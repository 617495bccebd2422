package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A volume as the API shows it. {@code state} is healthy, degraded or faulted; {@code state_reason} says why when it
 * is not healthy. {@code replicas} lists the placed copies; {@code replica_count} is how many the volume wants.
 * {@code clients} lists frontend sessions using it now (e.g. "nbd 127.0.0.1:53120"). {@code namespace} is the tenant
 * the volume belongs to; {@code labels} are the user's key/value tags (policy selectors match them).
 */
public record VolumeInfo(
        String id,
        String name,
        @JsonProperty("volume_type") VolumeType volumeType,
        @JsonProperty("size_bytes") long sizeBytes,
        @JsonProperty("block_size") int blockSize,
        @JsonProperty("storage_class") String storageClass,
        @JsonProperty("replica_count") int replicaCount,
        @JsonProperty("access_mode") AccessMode accessMode,
        boolean encrypted,
        String state,
        @JsonProperty("state_reason") String stateReason,
        @JsonProperty("created_at") String createdAt,
        @JsonProperty("allocated_bytes") long allocatedBytes,
        @JsonProperty("snapshot_count") int snapshotCount,
        List<ReplicaInfo> replicas,
        List<MountInfo> mounts,
        List<String> clients,
        String namespace,
        java.util.Map<String, String> labels) {
}
