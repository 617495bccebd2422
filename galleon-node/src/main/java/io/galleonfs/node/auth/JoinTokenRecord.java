package io.galleonfs.node.auth;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A cluster join token as metadata holds it: the SHA-256 of its secret and when it stops admitting nodes. */
public record JoinTokenRecord(
        String id,
        @JsonProperty("secret_sha256") String secretSha256,
        @JsonProperty("created_at_millis") long createdAtMillis,
        @JsonProperty("expires_at_millis") long expiresAtMillis) {

    public boolean expiredAt(long nowMillis) {
        return nowMillis >= expiresAtMillis;
    }
}
