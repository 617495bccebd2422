package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A backup, restore, verify, copy or prune job and its progress. {@code result} is a one-line outcome once finished. */
public record JobInfo(String id, String kind, String state, String node, String target, @JsonProperty("backup_id") String backupId,
                      String volume, @JsonProperty("bytes_done") long bytesDone, @JsonProperty("bytes_total") long bytesTotal,
                      @JsonProperty("bytes_per_second") long bytesPerSecond, @JsonProperty("eta_seconds") Long etaSeconds,
                      String phase, String message, String error, @JsonProperty("created_at") String createdAt,
                      @JsonProperty("started_at") String startedAt, @JsonProperty("finished_at") String finishedAt) {
}
