package io.galleonfs.node.meta;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A backup target: where a backup repository lives. {@code secretAccessKey} and {@code clusterKey} (base64, the key that
 * wraps the repository's master key for this cluster) are secrets: they live only in the Raft log and its snapshots,
 * never in API answers, logs or {@link #toString()}.
 */
public record BackupTargetRecord(String name, String url, String endpoint, String region,
                                 @JsonProperty("path_style") boolean pathStyle,
                                 @JsonProperty("access_key_id") String accessKeyId,
                                 @JsonProperty("secret_access_key") String secretAccessKey,
                                 @JsonProperty("cluster_key") String clusterKey,
                                 @JsonProperty("repository_id") String repositoryId,
                                 @JsonProperty("created_at_millis") long createdAtMillis) {

    @Override
    public String toString() {
        return "BackupTargetRecord[name=" + name + ", url=" + url + ", endpoint=" + endpoint + ", region=" + region
                + ", pathStyle=" + pathStyle + ", accessKeyId=" + accessKeyId + ", secretAccessKey="
                + (secretAccessKey == null ? null : "***") + ", clusterKey=***, repositoryId=" + repositoryId + "]";
    }
}
