package io.galleonfs.node.auth;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An API token as cluster metadata holds it: the SHA-256 of its secret, never the secret.
 *
 * @param expiresAtMillis 0 when the token does not expire
 */
public record TokenRecord(
        String id,
        String name,
        Role role,
        @JsonProperty("secret_sha256") String secretSha256,
        @JsonProperty("created_at_millis") long createdAtMillis,
        @JsonProperty("expires_at_millis") long expiresAtMillis) {

    public boolean expiredAt(long nowMillis) {
        return expiresAtMillis > 0 && nowMillis >= expiresAtMillis;
    }
}
