package io.galleonfs.api;

/** Body of {@code cluster join-token create}: how long the token admits nodes, e.g. 1h (the default), 30m, 1d. */
public record CreateJoinTokenRequest(String ttl) {
}
