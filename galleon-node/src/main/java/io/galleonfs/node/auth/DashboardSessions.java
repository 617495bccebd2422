package io.galleonfs.node.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Browser sessions of the dashboard, in this node's memory. A session remembers the SHA-256 of the token it was opened
 * with (never the token) and is re-checked through the {@link Authenticator} on every request, so revoking or expiring
 * the token ends the session at once. The cookie carries only a random session id; the map is keyed by that id's hash so
 * a heap dump yields no usable cookie. Sessions are not replicated: a browser stays on the node it logged in to, and a
 * node restart logs it out.
 */
public final class DashboardSessions {
    /** Absolute lifetime; a token that expires sooner ends the session sooner. */
    public static final Duration LIFETIME = Duration.ofHours(8);
    /** Bounds memory: logging in needs a valid token, but one token could still open sessions in a loop. */
    static final int MAX_SESSIONS = 10_000;
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");
    private static final SecureRandom RANDOM = new SecureRandom();

    public record Session(String tokenHash, String tokenName, Role role, String csrf, long expiresAtMillis) {
    }

    /** A new session and the id its cookie carries. */
    public record Opened(String id, Session session) {
    }

    private final ConcurrentHashMap<String, Session> byIdHash = new ConcurrentHashMap<>();
    private final Clock clock;

    public DashboardSessions(Clock clock) {
        this.clock = clock;
    }

    /**
     * Opens a session for a token the caller has already authenticated.
     *
     * @throws IllegalStateException when this node holds too many live sessions
     */
    public Opened open(TokenRecord token) {
        long now = clock.millis();
        if (byIdHash.size() >= MAX_SESSIONS) {
            byIdHash.values().removeIf(s -> s.expiresAtMillis() <= now);
            if (byIdHash.size() >= MAX_SESSIONS) {
                throw new IllegalStateException("this node holds " + MAX_SESSIONS + " dashboard sessions; log out elsewhere or wait for them to expire");
            }
        }
        long expires = now + LIFETIME.toMillis();
        if (token.expiresAtMillis() > 0) {
            expires = Math.min(expires, token.expiresAtMillis());
        }
        String id = random();
        Session session = new Session(token.secretSha256(), token.name(), token.role(), random(), expires);
        byIdHash.put(TokenSecrets.hash(id), session);
        return new Opened(id, session);
    }

    /** The live session a cookie names, if any (an expired one is forgotten). */
    public Optional<Session> find(String id) {
        if (id == null || id.isEmpty() || id.length() > 100) {
            return Optional.empty();
        }
        String key = TokenSecrets.hash(id);
        Session s = byIdHash.get(key);
        if (s == null) {
            return Optional.empty();
        }
        if (s.expiresAtMillis() <= clock.millis()) {
            byIdHash.remove(key, s);
            return Optional.empty();
        }
        return Optional.of(s);
    }

    public void close(String id) {
        if (id != null && !id.isEmpty() && id.length() <= 100) {
            byIdHash.remove(TokenSecrets.hash(id));
        }
    }

    /** Whether a state-changing request from this session carries the session's CSRF token (compared in constant time). */
    public static boolean csrfMatches(Session session, String header) {
        return header != null && header.length() == session.csrf().length()
                && TokenSecrets.sameHash(header, session.csrf());
    }

    /**
     * Decides an API request made with a session cookie: the session must be live, a state-changing method must carry
     * the CSRF token, and the session's token must still be valid and have the role.
     */
    public Authenticator.Decision decide(String id, String method, String csrfHeader, Role required, Authenticator authenticator) {
        Optional<Session> session = find(id);
        if (session.isEmpty()) {
            return new Authenticator.Decision.Unauthenticated("the dashboard session has ended; log in again");
        }
        if (!SAFE.contains(method.toUpperCase(Locale.ROOT)) && !csrfMatches(session.get(), csrfHeader)) {
            return new Authenticator.Decision.Forbidden("a change from the dashboard must carry the session's CSRF token in the "
                    + "X-Galleon-CSRF header");
        }
        Authenticator.Decision d = authenticator.decideHash(session.get().tokenHash(), required);
        if (d instanceof Authenticator.Decision.Unauthenticated) {
            close(id);
        }
        return d;
    }

    int size() {
        return byIdHash.size();
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
