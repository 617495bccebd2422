package io.galleonfs.node.auth;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collection;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Whether a new node may join: a cluster in which no join token was ever created admits any node (the seed's
 * {@code --peer-addresses} examples work as written); once one exists, a joiner must present an unexpired one.
 * Returns the refusal reason, or empty to admit. Join secrets are {@code gjt_} + 256 random bits, stored hashed.
 */
public final class JoinAdmission {
    public static final String PREFIX = "gjt_";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern SHAPE = Pattern.compile("gjt_[A-Za-z0-9_-]{43}");

    private JoinAdmission() {
    }

    public static String newSecret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /**
     * Whether a joining node may have its certificate signed with the bearer value {@code authorization}: like
     * {@link #refusal}, except that a cluster without join tokens refuses too, because a certificate of the cluster CA
     * is what lets a peer into the TLS channels at all. The bearer may carry the CA pin after the secret.
     */
    public static Optional<String> signingRefusal(Collection<JoinTokenRecord> tokens, String authorization, long nowMillis) {
        if (tokens.isEmpty()) {
            return Optional.of("this cluster has no join token; an admin creates one with 'galleonfs cluster join-token create'");
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of("a join token is required: Authorization: Bearer <join token>");
        }
        String secret;
        try {
            secret = JoinCredential.parse(authorization.substring(7)).map(JoinCredential::secret).orElse(null);
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        return refusal(tokens, secret, nowMillis);
    }

    public static Optional<String> refusal(Collection<JoinTokenRecord> tokens, String presented, long nowMillis) {
        if (tokens.isEmpty()) {
            return Optional.empty();
        }
        if (presented == null || presented.isBlank()) {
            return Optional.of("this cluster requires a join token: start the node with --join-token TOKEN or GALLEONFS_JOIN_TOKEN"
                    + " (an admin creates one with 'galleonfs cluster join-token create')");
        }
        String secret = presented.strip();
        if (!SHAPE.matcher(secret).matches()) {
            return Optional.of("the join token is malformed (expected gjt_ and 43 characters)");
        }
        String hash = TokenSecrets.hash(secret);
        boolean valid = false;
        boolean expired = false;
        for (JoinTokenRecord t : tokens) {
            if (TokenSecrets.sameHash(hash, t.secretSha256())) {
                if (t.expiredAt(nowMillis)) {
                    expired = true;
                } else {
                    valid = true;
                }
            }
        }
        if (valid) {
            return Optional.empty();
        }
        return Optional.of(expired ? "the join token has expired; create a new one with 'galleonfs cluster join-token create'"
                : "the join token is not valid for this cluster");
    }
}
