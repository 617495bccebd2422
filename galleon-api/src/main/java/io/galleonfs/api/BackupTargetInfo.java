package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A backup target as the API shows it: never its secret access key, only whether one is stored. */
public record BackupTargetInfo(String name, String url, String endpoint, String region, @JsonProperty("path_style") boolean pathStyle,
                               @JsonProperty("access_key_id") String accessKeyId,
                               @JsonProperty("has_secret_access_key") boolean hasSecretAccessKey,
                               @JsonProperty("repository_id") String repositoryId, int backups,
                               @JsonProperty("created_at") String createdAt) {
}
