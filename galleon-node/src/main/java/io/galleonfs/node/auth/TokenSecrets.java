package io.galleonfs.node.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Token secrets: 256 random bits shown once as {@code gfs_<base64url>}; only their SHA-256 is stored, so metadata,
 * snapshots and Raft logs never hold a usable credential.
 */
public final class TokenSecrets {
    public static final String PREFIX = "gfs_";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** 32 bytes in unpadded base64url are 43 characters. */
    private static final Pattern SHAPE = Pattern.compile("gfs_[A-Za-z0-9_-]{43}");

    private TokenSecrets() {
    }

    public static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Lower-case hex SHA-256 of the secret's text. */
    public static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Compares two hashes in time independent of where they differ, so timing does not reveal a stored hash. */
    public static boolean sameHash(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }

    public static boolean wellFormed(String secret) {
        return secret != null && SHAPE.matcher(secret).matches();
    }

    /** The secret of an {@code Authorization: Bearer <secret>} value, if the value has exactly that shape. */
    public static Optional<String> fromAuthorization(String header) {
        if (header == null || header.length() > 200) {
            return Optional.empty();
        }
        String h = header.strip();
        if (h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String secret = h.substring(7).strip();
        return wellFormed(secret) ? Optional.of(secret) : Optional.empty();
    }
}
