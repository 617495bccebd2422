package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A new cluster join token: {@code token} is shown only in this answer; the cluster keeps its hash. */
public record JoinTokenInfo(String id, String token, @JsonProperty("expires_at") String expiresAt) {
}
