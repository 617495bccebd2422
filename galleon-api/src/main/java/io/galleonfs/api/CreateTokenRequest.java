package io.galleonfs.api;

/** Body of token create: a unique name, a role (admin, operator or viewer) and an optional lifetime such as 30d, 12h. */
public record CreateTokenRequest(String name, String role, String ttl) {
}
