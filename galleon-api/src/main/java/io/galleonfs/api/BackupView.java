package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One backup of the catalog. */
public record BackupView(String id, @JsonProperty("volume_id") String volumeId, String volume, String target, String strategy,
                         @JsonProperty("parent_id") String parentId, String snapshot, String status,
                         @JsonProperty("size_bytes") long sizeBytes, @JsonProperty("bytes_read") long bytesRead,
                         @JsonProperty("bytes_new") long bytesNew, @JsonProperty("bytes_stored") long bytesStored,
                         @JsonProperty("job_id") String jobId, @JsonProperty("created_at") String createdAt,
                         @JsonProperty("finished_at") String finishedAt, String error) {
}
