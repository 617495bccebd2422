package io.galleonfs.node.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * An API token as cluster metadata holds it: the SHA-256 of its secret, never the secret.
 *
 * @param expiresAtMillis 0 when the token does not expire
 * @param namespaces      the namespaces whose volumes the token may see and use; empty means every namespace (admin
 *                        tokens, and tokens created before namespaces existed)
 */
public record TokenRecord(
        String id,
        String name,
        Role role,
        @JsonProperty("secret_sha256") String secretSha256,
        @JsonProperty("created_at_millis") long createdAtMillis,
        @JsonProperty("expires_at_millis") long expiresAtMillis,
        List<String> namespaces) {

    public TokenRecord {
        namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    }

    /** A token for every namespace. */
    public TokenRecord(String id, String name, Role role, String secretSha256, long createdAtMillis, long expiresAtMillis) {
        this(id, name, role, secretSha256, createdAtMillis, expiresAtMillis, List.of());
    }

    public boolean expiredAt(long nowMillis) {
        return expiresAtMillis > 0 && nowMillis >= expiresAtMillis;
    }

    public NamespaceScope scope() {
        return role == Role.ADMIN || namespaces.isEmpty() ? NamespaceScope.ALL : NamespaceScope.of(namespaces);
    }
}
