package io.galleonfs.node.auth;

import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Decides who a request is and whether it may do an operation. Transport-free: the REST filter and the gRPC
 * interceptor only translate its {@link Decision} into 401/403 or UNAUTHENTICATED/PERMISSION_DENIED.
 *
 * <p>Per request it hashes the presented secret and looks the hash up in an index of the stored tokens. The index is
 * rebuilt whenever the supplier returns another collection than the one it was built from, so it is never older than
 * the metadata the request sees: a token revoked by a Raft apply is unknown on the next request, and expiry and role
 * are checked against the clock and the record on every request.
 */
public final class Authenticator {
    private final Supplier<Collection<TokenRecord>> tokens;
    private final Clock clock;
    private volatile Index index = new Index(null, Map.of());

    /**
     * @param tokens the stored tokens; must return a collection that is not changed after it was returned (a new one
     *               whenever the tokens change), as {@code MetadataState} does: each Raft apply publishes a new state.
     *               The index is keyed on the identity of that collection.
     */
    public Authenticator(Supplier<Collection<TokenRecord>> tokens, Clock clock) {
        this.tokens = tokens;
        this.clock = clock;
    }

    /** The stored tokens by the hash of their secret, for one collection {@code source}. */
    private record Index(Collection<TokenRecord> source, Map<String, TokenRecord> byHash) {
        static Index of(Collection<TokenRecord> source) {
            Map<String, TokenRecord> byHash = new HashMap<>();
            for (TokenRecord t : source) {
                byHash.putIfAbsent(t.secretSha256(), t); // two tokens never share a 256-bit secret; keep the first as before
            }
            return new Index(source, byHash);
        }
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

    /**
     * The token whose secret has this SHA-256. A hash-map lookup's timing depends on the stored hashes, not on the
     * secrets: learning how a SHA-256 of one's own guess compares with a stored hash does not help find a secret that
     * hashes to it (no preimages), which is why comparing hashes rather than secrets is safe. The match is confirmed in
     * constant time all the same.
     */
    private Optional<TokenRecord> find(String hash) {
        Collection<TokenRecord> current = tokens.get();
        Index i = index;
        if (i.source() != current) {
            i = Index.of(current);
            index = i;
        }
        TokenRecord t = i.byHash().get(hash);
        return t != null && TokenSecrets.sameHash(hash, t.secretSha256()) ? Optional.of(t) : Optional.empty();
    }
}
