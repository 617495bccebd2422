package io.galleonfs.api;

/** Body of {@code cluster join}: a member's bind address (HOST:PORT). */
public record JoinRequest(String address) {
}
