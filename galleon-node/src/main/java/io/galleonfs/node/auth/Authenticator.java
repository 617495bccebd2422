package io.galleonfs.node.auth;

import java.time.Clock;
import java.util.Collection;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Decides who a request is and whether it may do an operation. Transport-free: the REST filter and the gRPC
 * interceptor only translate its {@link Decision} into 401/403 or UNAUTHENTICATED/PERMISSION_DENIED.
 */
public final class Authenticator {
    private final Supplier<Collection<TokenRecord>> tokens;
    private final Clock clock;

    public Authenticator(Supplier<Collection<TokenRecord>> tokens, Clock clock) {
        this.tokens = tokens;
        this.clock = clock;
    }

    public sealed interface Decision {
        record Allowed(TokenRecord token) implements Decision {
        }

        /** No valid credential; the message never repeats what was sent. */
        record Unauthenticated(String detail) implements Decision {
        }

        record Forbidden(String detail) implements Decision {
        }
    }

    public Decision decide(String authorizationHeader, Role required) {
        if (authorizationHeader == null || authorizationHeader.isBlank()) {
            return new Decision.Unauthenticated("this API needs a token: send 'Authorization: Bearer <token>'");
        }
        Optional<String> secret = TokenSecrets.fromAuthorization(authorizationHeader);
        if (secret.isEmpty()) {
            return new Decision.Unauthenticated("the Authorization header is not 'Bearer gfs_...' with a GalleonFS token");
        }
        return decideHash(TokenSecrets.hash(secret.get()), required);
    }

    /** The same decision for a secret already reduced to its SHA-256 (a dashboard session keeps only that). */
    public Decision decideHash(String secretSha256, Role required) {
        Optional<TokenRecord> token = find(secretSha256);
        if (token.isEmpty()) {
            return new Decision.Unauthenticated("the token is unknown or was revoked");
        }
        if (token.get().expiredAt(clock.millis())) {
            return new Decision.Unauthenticated("the token '" + token.get().name() + "' has expired");
        }
        if (!token.get().role().includes(required)) {
            return new Decision.Forbidden("the token '" + token.get().name() + "' has role " + token.get().role().wire()
                    + "; this operation needs " + required.wire());
        }
        return new Decision.Allowed(token.get());
    }

    /**
     * The token a header names, whatever it may do and even if expired: for the audit log to name the subject of a
     * refused call. Never used to allow anything.
     */
    public Optional<TokenRecord> identify(String authorizationHeader) {
        return TokenSecrets.fromAuthorization(authorizationHeader).flatMap(s -> find(TokenSecrets.hash(s)));
    }

    /** Compares against every stored hash without stopping early, so the time taken does not depend on a match. */
    private Optional<TokenRecord> find(String hash) {
        TokenRecord found = null;
        for (TokenRecord t : tokens.get()) {
            if (TokenSecrets.sameHash(hash, t.secretSha256()) & found == null) {
                found = t;
            }
        }
        return Optional.ofNullable(found);
    }
}
