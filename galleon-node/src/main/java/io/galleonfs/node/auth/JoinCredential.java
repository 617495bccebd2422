package io.galleonfs.node.auth;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a joining node is given: the join secret ({@code gjt_…}, which authenticates it to the cluster) and, when the
 * cluster uses TLS, the SHA-256 of the cluster CA's certificate after a dot ({@code gjt_….<64 hex>}), which lets it
 * authenticate the cluster before it trusts any certificate (like kubeadm's discovery-token-ca-cert-hash). Only the
 * secret is ever sent; the fingerprint never leaves the joiner.
 */
public record JoinCredential(String secret, Optional<String> caFingerprint) {
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");

    /** Empty for no token; {@link IllegalArgumentException} with one readable line for a fingerprint of the wrong shape. */
    public static Optional<JoinCredential> parse(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        String t = text.strip();
        int dot = t.lastIndexOf('.');
        if (dot < 0) {
            return Optional.of(new JoinCredential(t, Optional.empty()));
        }
        String pin = t.substring(dot + 1).toLowerCase(java.util.Locale.ROOT);
        if (!FINGERPRINT.matcher(pin).matches()) {
            throw new IllegalArgumentException("the join token's CA fingerprint (after the '.') must be 64 hex digits (SHA-256)");
        }
        return Optional.of(new JoinCredential(t.substring(0, dot), Optional.of(pin)));
    }

    /** The token as printed for operators: the secret, then the fingerprint when there is one. */
    public static String format(String secret, Optional<String> caFingerprint) {
        return caFingerprint.map(f -> secret + "." + f).orElse(secret);
    }

    @Override
    public String toString() {
        return "JoinCredential[secret=<hidden>, caFingerprint=" + caFingerprint.orElse("none") + "]";
    }
}
