package io.galleonfs.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The token index behind {@link Authenticator}: it never answers from tokens older than the ones supplied. */
class AuthenticatorTest {
    private static final long NOW = 1_700_000_000_000L;

    private final ManualClock clock = new ManualClock(NOW);
    private final String secret = TokenSecrets.newSecret();
    private final TokenRecord ops = new TokenRecord("1", "ops", Role.OPERATOR, TokenSecrets.hash(secret), NOW - 10, NOW + 1000);
    /** Replaced on every change, as each Raft apply publishes a new metadata state. */
    private volatile List<TokenRecord> tokens = List.of(ops);
    private final AtomicInteger supplied = new AtomicInteger();
    private final Authenticator auth = new Authenticator(() -> {
        supplied.incrementAndGet();
        return tokens;
    }, clock);

    @Test
    void aRevokedTokenIsUnknownOnTheVeryNextRequest() {
        for (int i = 0; i < 100; i++) {
            assertInstanceOf(Authenticator.Decision.Allowed.class, auth.decide("Bearer " + secret, Role.OPERATOR));
        }
        tokens = List.of(); // RevokeToken applied: a new state without it
        var d = auth.decide("Bearer " + secret, Role.VIEWER);
        assertEquals("the token is unknown or was revoked", ((Authenticator.Decision.Unauthenticated) d).detail());
        assertTrue(auth.identify("Bearer " + secret).isEmpty(), "the audit log no longer names it either");
        tokens = List.of(ops); // and a token created again is known at once
        assertInstanceOf(Authenticator.Decision.Allowed.class, auth.decide("Bearer " + secret, Role.OPERATOR));
        assertEquals(103, supplied.get(), "every request reads the current tokens");
    }

    @Test
    void expiryIsCheckedOnEveryRequestNotWhenTheIndexIsBuilt() {
        assertInstanceOf(Authenticator.Decision.Allowed.class, auth.decide("Bearer " + secret, Role.OPERATOR));
        clock.millis = NOW + 999;
        assertInstanceOf(Authenticator.Decision.Allowed.class, auth.decide("Bearer " + secret, Role.OPERATOR));
        clock.millis = NOW + 1000;
        assertInstanceOf(Authenticator.Decision.Unauthenticated.class, auth.decide("Bearer " + secret, Role.VIEWER));
        assertInstanceOf(Authenticator.Decision.Unauthenticated.class, auth.decideHash(TokenSecrets.hash(secret), Role.VIEWER));
    }

    @Test
    void aChangedRoleTakesEffectOnTheNextRequest() {
        assertInstanceOf(Authenticator.Decision.Allowed.class, auth.decide("Bearer " + secret, Role.OPERATOR));
        tokens = List.of(new TokenRecord("1", "ops", Role.VIEWER, ops.secretSha256(), NOW - 10, 0));
        assertInstanceOf(Authenticator.Decision.Forbidden.class, auth.decide("Bearer " + secret, Role.OPERATOR));
    }

    @Test
    void manyTokensAreFoundByTheirOwnSecretOnly() {
        List<String> secrets = new ArrayList<>();
        List<TokenRecord> records = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String s = TokenSecrets.newSecret();
            secrets.add(s);
            records.add(new TokenRecord("id" + i, "t" + i, i % 2 == 0 ? Role.VIEWER : Role.ADMIN, TokenSecrets.hash(s), NOW, 0));
        }
        tokens = List.copyOf(records);
        for (int i = 0; i < 500; i++) {
            var d = auth.decide("Bearer " + secrets.get(i), Role.VIEWER);
            assertEquals("t" + i, ((Authenticator.Decision.Allowed) d).token().name());
        }
        assertInstanceOf(Authenticator.Decision.Unauthenticated.class, auth.decide("Bearer " + TokenSecrets.newSecret(), Role.VIEWER));
    }
}
