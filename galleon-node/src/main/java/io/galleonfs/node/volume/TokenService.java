package io.galleonfs.node.volume;

import io.galleonfs.api.CreateTokenRequest;
import io.galleonfs.api.Names;
import io.galleonfs.api.TokenInfo;
import io.galleonfs.node.auth.Role;
import io.galleonfs.node.auth.TokenRecord;
import io.galleonfs.node.auth.TokenSecrets;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** API token lifecycle: a new secret is shown once, and only its hash goes to metadata. */
public final class TokenService {
    private static final Pattern TTL = Pattern.compile("(\\d{1,6})([smhdw])");
    /** Secrets older than this are a liability; longer-lived automation should rotate. */
    private static final Duration MAX_TTL = Duration.ofDays(3650);

    private final MetadataStore store;
    private final MetaCommands commands;
    private final Clock clock;

    public TokenService(MetadataStore store, Clock clock) {
        this.store = store;
        this.commands = new MetaCommands(store);
        this.clock = clock;
    }

    /** A created token and its secret, which exists only in this answer. */
    public record Created(TokenRecord token, String secret) {
    }

    public Created create(CreateTokenRequest request) {
        if (request == null) {
            throw GalleonException.badRequest("a JSON body with name and role is required");
        }
        String name;
        Role role;
        List<String> namespaces = request.namespaces() == null ? List.of() : List.copyOf(new java.util.TreeSet<>(request.namespaces()));
        try {
            name = Names.requireValid("token", request.name());
            role = Role.parse(request.role());
            for (String ns : namespaces) {
                Names.requireValid("namespace", ns);
            }
        } catch (IllegalArgumentException | NullPointerException e) {
            throw GalleonException.badRequest(e.getMessage() == null ? "a namespace is null" : e.getMessage());
        }
        if (role == Role.ADMIN && !namespaces.isEmpty()) {
            // An admin can create any token, so a namespace limit on an admin token would protect nothing.
            throw GalleonException.badRequest("an admin token cannot be limited to namespaces; use role operator or viewer");
        }
        long now = clock.millis();
        long expires = request.ttl() == null || request.ttl().isBlank() ? 0 : now + parseTtl(request.ttl()).toMillis();
        return create(name, role, now, expires, namespaces);
    }

    public Created create(String name, Role role, long nowMillis, long expiresAtMillis) {
        return create(name, role, nowMillis, expiresAtMillis, List.of());
    }

    public Created create(String name, Role role, long nowMillis, long expiresAtMillis, List<String> namespaces) {
        String secret = TokenSecrets.newSecret();
        TokenRecord record = new TokenRecord(UUID.randomUUID().toString(), name, role, TokenSecrets.hash(secret), nowMillis,
                expiresAtMillis, namespaces);
        commands.submit(new MetaCommand.CreateToken(record));
        return new Created(record, secret);
    }

    /** A new join token and its secret, which exists only in this answer. */
    public record CreatedJoinToken(io.galleonfs.node.auth.JoinTokenRecord token, String secret) {
    }

    /** Creates a cluster join token valid for {@code ttl} (default 1h). */
    public CreatedJoinToken createJoinToken(String ttl) {
        long now = clock.millis();
        long expires = now + (ttl == null || ttl.isBlank() ? Duration.ofHours(1) : parseTtl(ttl)).toMillis();
        String secret = io.galleonfs.node.auth.JoinAdmission.newSecret();
        var record = new io.galleonfs.node.auth.JoinTokenRecord(UUID.randomUUID().toString(), TokenSecrets.hash(secret), now, expires);
        commands.submit(new MetaCommand.CreateJoinToken(record));
        return new CreatedJoinToken(record, secret);
    }

    public List<TokenRecord> list() {
        return List.copyOf(store.state().tokens());
    }

    public void revoke(String name) {
        commands.submit(new MetaCommand.RevokeToken(name));
    }

    public static TokenInfo toInfo(TokenRecord t, String secret) {
        return new TokenInfo(t.id(), t.name(), t.role().wire(), Instant.ofEpochMilli(t.createdAtMillis()).toString(),
                t.expiresAtMillis() == 0 ? null : Instant.ofEpochMilli(t.expiresAtMillis()).toString(), secret, t.namespaces());
    }

    /** {@code 30d}, {@code 12h}, {@code 90m}, {@code 45s}, {@code 2w}. */
    static Duration parseTtl(String text) {
        Matcher m = TTL.matcher(text.trim().toLowerCase(java.util.Locale.ROOT));
        if (!m.matches()) {
            throw GalleonException.badRequest("ttl '" + text + "' is invalid; use a number with s, m, h, d or w, e.g. 30d");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
        if (d.isZero() || d.compareTo(MAX_TTL) > 0) {
            throw GalleonException.badRequest("ttl '" + text + "' must be more than 0 and at most 3650d");
        }
        return d;
    }
}
