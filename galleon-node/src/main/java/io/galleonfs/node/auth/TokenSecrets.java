package io.galleonfs.node.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Token secrets: 256 random bits shown once as {@code gfs_<base64url>}; only their SHA-256 is stored, so metadata,
 * snapshots and Raft logs never hold a usable credential.
 */
public final class TokenSecrets {
    public static final String PREFIX = "gfs_";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** 32 bytes in unpadded base64url are 43 characters. */
    private static final int LENGTH = PREFIX.length() + 43;
    /**
     * Cloned for each hash: {@code MessageDigest.getInstance} looks the provider up every time, which showed in the
     * profile of small authenticated REST reads; a clone copies only the initial state. Never updated itself.
     */
    private static final MessageDigest SHA256 = sha256();

    private TokenSecrets() {
    }

    public static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Lower-case hex SHA-256 of the secret's text. */
    public static String hash(String secret) {
        MessageDigest md;
        try {
            md = (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException e) {
            md = sha256(); // a provider whose digest cannot be cloned: look it up each time
        }
        return HexFormat.of().formatHex(md.digest(secret.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Compares two hashes in time independent of where they differ, so timing does not reveal a stored hash. */
    public static boolean sameHash(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }

    /** {@code gfs_} and 43 base64url characters (checked by hand: a regex per request showed in the profile). */
    public static boolean wellFormed(String secret) {
        return secret != null && secret.length() == LENGTH && wellFormed(secret, 0);
    }

    private static boolean wellFormed(String s, int from) {
        if (!s.startsWith(PREFIX, from)) {
            return false;
        }
        for (int i = from + PREFIX.length(); i < from + LENGTH; i++) {
            char c = s.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * The secret of an {@code Authorization: Bearer <secret>} value, if the value has exactly that shape: optional
     * white space around it and after the scheme, as {@link String#strip()} counts it.
     */
    public static Optional<String> fromAuthorization(String header) {
        if (header == null || header.length() > 200) {
            return Optional.empty();
        }
        int start = 0;
        int end = header.length();
        while (start < end && Character.isWhitespace(header.charAt(start))) {
            start++;
        }
        while (end > start && Character.isWhitespace(header.charAt(end - 1))) {
            end--;
        }
        if (end - start < 7 || !header.regionMatches(true, start, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        start += 7;
        while (start < end && Character.isWhitespace(header.charAt(start))) {
            start++;
        }
        return end - start == LENGTH && wellFormed(header, start) ? Optional.of(header.substring(start, end)) : Optional.empty();
    }
}
