package io.galleonfs.api;

/**
 * Body of backup create: volume name or id, target name, strategy full|incremental|differential (default incremental);
 * {@code wait} answers once the job finished.
 */
public record CreateBackupRequest(String volume, String target, String strategy, @com.fasterxml.jackson.annotation.JsonProperty("wait") Boolean waitForJob) {
}
