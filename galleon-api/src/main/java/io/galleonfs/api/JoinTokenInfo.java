package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A new cluster join token: {@code token} is shown only in this answer; the cluster keeps its hash. With TLS on,
 * {@code token} ends in {@code .<caCertSha256>}, the cluster CA's fingerprint a joining node pins; null without TLS.
 */
public record JoinTokenInfo(String id, String token, @JsonProperty("expires_at") String expiresAt,
                            @JsonProperty("ca_cert_sha256") String caCertSha256) {
}
