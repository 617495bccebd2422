package io.galleonfs.node.rest;

import io.galleonfs.node.auth.NamespaceScope;
import io.galleonfs.node.auth.TokenRecord;
import jakarta.enterprise.context.RequestScoped;
import java.util.Optional;

/**
 * Who the current REST request is, as {@link AuthFilter} established it: the token (none when auth is off or the
 * request was refused before it was known) and the namespaces it may see.
 */
@RequestScoped
public class Caller {
    private TokenRecord token;
    private String joiner;

    void authenticated(TokenRecord token) {
        this.token = token;
    }

    /** A joining node authenticated (or not) by a join token; the audit log names it {@code join:<node id>}. */
    void joining(String subject) {
        this.joiner = subject;
    }

    public Optional<String> joiner() {
        return Optional.ofNullable(joiner);
    }

    public Optional<TokenRecord> token() {
        return Optional.ofNullable(token);
    }

    public NamespaceScope scope() {
        return token == null ? NamespaceScope.ALL : token.scope();
    }
}
