package io.galleonfs.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DashboardSessionsTest {
    private final ManualClock clock = new ManualClock(1_000_000);
    private final String secret = TokenSecrets.newSecret();
    /** Replaced, never changed in place, like the tokens of a published metadata state. */
    private volatile List<TokenRecord> tokens = List.of(record("ops", Role.OPERATOR, 0));
    private final Authenticator authenticator = new Authenticator(() -> tokens, clock);
    private final DashboardSessions sessions = new DashboardSessions(clock);

    private TokenRecord record(String name, Role role, long expires) {
        return new TokenRecord("id-" + name, name, role, TokenSecrets.hash(secret), 0, expires);
    }

    @Test
    void aSessionHoldsNeitherTheTokenNorItsOwnIdInTheClear() {
        DashboardSessions.Opened o = sessions.open(tokens.get(0));
        assertNotEquals(secret, o.id());
        assertFalse(o.session().toString().contains(secret));
        assertFalse(o.session().toString().contains(o.id()));
        assertEquals(Role.OPERATOR, o.session().role());
        assertTrue(sessions.find(o.id()).isPresent());
        assertTrue(sessions.find("x" + o.id().substring(1)).isEmpty());
        assertTrue(sessions.find(null).isEmpty());
    }

    @Test
    void changesNeedTheCsrfTokenAndTheRole() {
        DashboardSessions.Opened o = sessions.open(tokens.get(0));
        String csrf = o.session().csrf();
        assertInstanceOf(Authenticator.Decision.Allowed.class, sessions.decide(o.id(), "GET", null, Role.VIEWER, authenticator));
        assertInstanceOf(Authenticator.Decision.Forbidden.class, sessions.decide(o.id(), "POST", null, Role.OPERATOR, authenticator));
        assertInstanceOf(Authenticator.Decision.Forbidden.class, sessions.decide(o.id(), "DELETE", csrf + "x", Role.OPERATOR, authenticator));
        assertInstanceOf(Authenticator.Decision.Allowed.class, sessions.decide(o.id(), "delete", csrf, Role.OPERATOR, authenticator));
        assertInstanceOf(Authenticator.Decision.Forbidden.class, sessions.decide(o.id(), "POST", csrf, Role.ADMIN, authenticator));
        assertInstanceOf(Authenticator.Decision.Unauthenticated.class, sessions.decide("nope", "GET", null, Role.VIEWER, authenticator));
    }

    @Test
    void sessionsEndWithTheirLifetimeTheTokensExpiryOrItsRevocation() {
        DashboardSessions.Opened o = sessions.open(tokens.get(0));
        clock.millis += DashboardSessions.LIFETIME.toMillis();
        assertTrue(sessions.find(o.id()).isEmpty());

        TokenRecord shortLived = record("short", Role.VIEWER, clock.millis + Duration.ofMinutes(5).toMillis());
        assertEquals(clock.millis + Duration.ofMinutes(5).toMillis(), sessions.open(shortLived).session().expiresAtMillis());

        DashboardSessions.Opened live = sessions.open(tokens.get(0));
        tokens = List.of(); // revoked
        assertInstanceOf(Authenticator.Decision.Unauthenticated.class, sessions.decide(live.id(), "GET", null, Role.VIEWER, authenticator));
        assertTrue(sessions.find(live.id()).isEmpty(), "a session of a revoked token is forgotten");
    }

    @Test
    void logoutForgetsTheSessionAndTheStoreIsBounded() {
        DashboardSessions.Opened o = sessions.open(tokens.get(0));
        sessions.close(o.id());
        assertTrue(sessions.find(o.id()).isEmpty());
        for (int i = 0; i < DashboardSessions.MAX_SESSIONS; i++) {
            sessions.open(tokens.get(0));
        }
        assertThrows(IllegalStateException.class, () -> sessions.open(tokens.get(0)));
        clock.millis += DashboardSessions.LIFETIME.toMillis();
        sessions.open(tokens.get(0)); // expired sessions make room
        assertEquals(1, sessions.size());
    }
}
