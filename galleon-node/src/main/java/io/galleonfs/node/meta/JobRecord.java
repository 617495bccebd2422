package io.galleonfs.node.meta;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A long-running operation (backup, restore, verify, copy, prune) run by one node. Terminal states (succeeded, failed,
 * cancelled) are final: {@link MetadataState} refuses to change a finished job, so a late progress report of a node that
 * was declared dead cannot revive it. {@code incarnation} identifies the process that runs it. {@code cancelRequested}
 * is sticky (a progress update of the running node cannot clear it): any node can ask, the running node acts on it.
 */
public record JobRecord(String id, String kind, String state, String node, String incarnation, String target,
                        @JsonProperty("backup_id") String backupId, String volume,
                        @JsonProperty("bytes_done") long bytesDone, @JsonProperty("bytes_total") long bytesTotal,
                        @JsonProperty("bytes_per_second") long bytesPerSecond, String phase, String message, String error,
                        @JsonProperty("created_at_millis") long createdAtMillis,
                        @JsonProperty("started_at_millis") long startedAtMillis,
                        @JsonProperty("finished_at_millis") long finishedAtMillis,
                        @JsonProperty("cancel_requested") boolean cancelRequested) {

    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";

    public boolean finished() {
        return SUCCEEDED.equals(state) || FAILED.equals(state) || CANCELLED.equals(state);
    }

    public JobRecord failed(String reason, long now) {
        return new JobRecord(id, kind, FAILED, node, incarnation, target, backupId, volume, bytesDone, bytesTotal,
                bytesPerSecond, phase, message, reason, createdAtMillis, startedAtMillis, now, cancelRequested);
    }

    public JobRecord withCancelRequested() {
        return new JobRecord(id, kind, state, node, incarnation, target, backupId, volume, bytesDone, bytesTotal,
                bytesPerSecond, phase, message, error, createdAtMillis, startedAtMillis, finishedAtMillis, true);
    }
}
