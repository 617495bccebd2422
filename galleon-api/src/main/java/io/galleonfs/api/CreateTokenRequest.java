package io.galleonfs.api;

import java.util.List;

/**
 * Body of token create: a unique name, a role (admin, operator or viewer), an optional lifetime such as 30d, 12h, and
 * the namespaces an operator or viewer token is limited to (absent or empty: every namespace).
 */
public record CreateTokenRequest(String name, String role, String ttl, List<String> namespaces) {

    public CreateTokenRequest(String name, String role, String ttl) {
        this(name, role, ttl, null);
    }
}
