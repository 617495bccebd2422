package io.galleonfs.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenSecretsTest {
    private static final long NOW = 1_700_000_000_000L;

    @Test
    void secretsAreRandom256BitAndOnlyTheirHashIsKept() {
        String a = TokenSecrets.newSecret();
        String b = TokenSecrets.newSecret();
        assertNotEquals(a, b);
        assertTrue(TokenSecrets.wellFormed(a), a);
        assertEquals(4 + 43, a.length());
        assertEquals(64, TokenSecrets.hash(a).length());
        assertEquals(TokenSecrets.hash(a), TokenSecrets.hash(a));
        assertFalse(TokenSecrets.hash(a).contains(a.substring(4)));
        assertTrue(TokenSecrets.sameHash(TokenSecrets.hash(a), TokenSecrets.hash(a)));
        assertFalse(TokenSecrets.sameHash(TokenSecrets.hash(a), TokenSecrets.hash(b)));
    }

    @Test
    void onlyABearerHeaderWithAWellFormedSecretIsAccepted() {
        String s = TokenSecrets.newSecret();
        assertEquals(Optional.of(s), TokenSecrets.fromAuthorization("Bearer " + s));
        assertEquals(Optional.of(s), TokenSecrets.fromAuthorization("bearer  " + s + " "));
        for (String bad : new String[] {null, "", "Bearer", "Bearer ", "Basic " + s, s, "Bearer " + s + "x", "Bearer " + s.substring(1),
            "Bearer " + s + " extra", "Bearer gfs_" + "!".repeat(43), "Bearer\t" + s, "Bearer " + "a".repeat(500)}) {
            assertEquals(Optional.empty(), TokenSecrets.fromAuthorization(bad), String.valueOf(bad));
        }
    }

    @Test
    void decisionsCoverUnknownExpiredAndTooLowRoles() {
        String admin = TokenSecrets.newSecret();
        String viewer = TokenSecrets.newSecret();
        String old = TokenSecrets.newSecret();
        Authenticator auth = new Authenticator(() -> List.of(
                new TokenRecord("1", "admin", Role.ADMIN, TokenSecrets.hash(admin), NOW - 10, 0),
                new TokenRecord("2", "ro", Role.VIEWER, TokenSecrets.hash(viewer), NOW - 10, 0),
                new TokenRecord("3", "old", Role.ADMIN, TokenSecrets.hash(old), NOW - 10, NOW)),
                Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
        assertInstanceOf(Authenticator.Decision.Allowed.class, auth.decide("Bearer " + admin, Role.ADMIN));
        assertInstanceOf(Authenticator.Decision.Allowed.class, auth.decide("Bearer " + viewer, Role.VIEWER));
        assertInstanceOf(Authenticator.Decision.Forbidden.class, auth.decide("Bearer " + viewer, Role.OPERATOR));
        assertInstanceOf(Authenticator.Decision.Unauthenticated.class, auth.decide("Bearer " + old, Role.VIEWER));
        assertInstanceOf(Authenticator.Decision.Unauthenticated.class, auth.decide("Bearer " + TokenSecrets.newSecret(), Role.VIEWER));
        assertInstanceOf(Authenticator.Decision.Unauthenticated.class, auth.decide(null, Role.VIEWER));
        var denied = (Authenticator.Decision.Unauthenticated) auth.decide("Bearer " + TokenSecrets.newSecret(), Role.VIEWER);
        assertFalse(denied.detail().contains("gfs_"), "a refusal never repeats a secret");
    }

    /** A few hundred random header values: always a refusal, never an exception (which would be a 5xx). */
    @Test
    void randomAuthorizationValuesAreAlwaysUnauthenticated() {
        String admin = TokenSecrets.newSecret();
        Authenticator auth = new Authenticator(() -> List.of(new TokenRecord("1", "admin", Role.ADMIN, TokenSecrets.hash(admin), NOW, 0)),
                Clock.systemUTC());
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        String[] prefixes = {"", "Bearer ", "bearer ", "Bearer gfs_", "Basic ", "Bearer  gfs_", "gfs_", "Bearer " + admin.substring(0, 20)};
        for (int i = 0; i < 500; i++) {
            StringBuilder v = new StringBuilder(prefixes[rnd.nextInt(prefixes.length)]);
            int len = rnd.nextInt(rnd.nextBoolean() ? 50 : 300);
            for (int k = 0; k < len; k++) {
                v.append(rnd.nextInt(10) == 0 ? (char) rnd.nextInt(0x3000) : (char) (0x20 + rnd.nextInt(0x5f)));
            }
            var d = auth.decide(v.toString(), Role.VIEWER);
            assertInstanceOf(Authenticator.Decision.Unauthenticated.class, d, "seed " + seed + ": " + v);
        }
    }
}
