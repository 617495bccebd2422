package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Body of backup copy: the target that receives the backup (only its missing chunks are sent). */
public record CopyBackupRequest(@JsonProperty("to_target") String toTarget) {
}
