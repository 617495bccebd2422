package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Body of backup-target create. {@code passphrase} is the recovery passphrase: it initialises a new repository or opens
 * an existing one (a brand-new cluster adopting a repository); the server never stores it.
 */
public record CreateBackupTargetRequest(String name, String url, String endpoint, String region,
                                        @JsonProperty("path_style") Boolean pathStyle,
                                        @JsonProperty("access_key_id") String accessKeyId,
                                        @JsonProperty("secret_access_key") String secretAccessKey, String passphrase) {
    @Override
    public String toString() {
        return "CreateBackupTargetRequest[name=" + name + ", url=" + url + ", secrets=***]";
    }
}
