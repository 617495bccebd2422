package io.galleonfs.node.meta;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One backup in the cluster's catalog. The repository holds the truth (its manifest); this record is what the API lists
 * and what the next incremental or differential backup of the volume starts from. {@code status} is running, completed
 * or failed; only a completed backup has a manifest in the repository ({@code manifestId}, the repository's own id).
 */
public record BackupRecord(String id, @JsonProperty("volume_id") String volumeId, @JsonProperty("volume_name") String volumeName,
                           String target, String strategy, @JsonProperty("parent_id") String parentId, String snapshot,
                           String status, @JsonProperty("size_bytes") long sizeBytes,
                           @JsonProperty("bytes_read") long bytesRead, @JsonProperty("bytes_new") long bytesNew,
                           @JsonProperty("bytes_stored") long bytesStored, @JsonProperty("job_id") String jobId,
                           @JsonProperty("created_at_millis") long createdAtMillis,
                           @JsonProperty("finished_at_millis") long finishedAtMillis, String error,
                           @JsonProperty("manifest_id") String manifestId) {

    public static final String RUNNING = "running";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";

    public BackupRecord withStatus(String newStatus, long finishedAt, String reason) {
        return new BackupRecord(id, volumeId, volumeName, target, strategy, parentId, snapshot, newStatus, sizeBytes, bytesRead,
                bytesNew, bytesStored, jobId, createdAtMillis, finishedAt, reason, manifestId);
    }

    public boolean completed() {
        return COMPLETED.equals(status);
    }
}
