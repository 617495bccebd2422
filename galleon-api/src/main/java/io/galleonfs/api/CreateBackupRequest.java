package io.galleonfs.api;

/** Body of backup create: volume name or id, target name, strategy full|incremental|differential (default incremental). */
public record CreateBackupRequest(String volume, String target, String strategy) {
}
