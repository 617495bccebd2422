package io.galleonfs.api;

/**
 * Body of backup create: volume name or id, target name, strategy full|incremental|differential (default incremental);
 * {@code wait} answers once the job finished. {@code idempotency_key} (optional; also the {@code Idempotency-Key}
 * header): a repeated request with the same key answers the job of the backup the first one started, unless that
 * backup failed.
 */
public record CreateBackupRequest(String volume, String target, String strategy, @com.fasterxml.jackson.annotation.JsonProperty("wait") Boolean waitForJob,
                                  @com.fasterxml.jackson.annotation.JsonProperty("idempotency_key") String idempotencyKey) {

    public CreateBackupRequest(String volume, String target, String strategy, Boolean waitForJob) {
        this(volume, target, strategy, waitForJob, null);
    }
}
