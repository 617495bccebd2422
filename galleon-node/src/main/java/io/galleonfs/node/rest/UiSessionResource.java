package io.galleonfs.node.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.galleonfs.node.auth.Authenticator;
import io.galleonfs.node.auth.DashboardSessions;
import io.galleonfs.node.auth.Role;
import io.galleonfs.node.auth.TokenSecrets;
import io.galleonfs.node.auth.ApiAccess;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code /ui/session}: the dashboard's login. POST trades an API token for a session cookie (HttpOnly, Secure,
 * SameSite=Strict; it holds a random id, never the token) and a CSRF token the page sends back in
 * {@value #CSRF_HEADER} on every change; GET tells a reloaded page who it is; DELETE logs out. API requests that carry
 * the cookie instead of a bearer token are decided in {@link AuthFilter} through {@link DashboardSessions}.
 */
@Path("/ui/session")
@Produces(MediaType.APPLICATION_JSON)
public class UiSessionResource {
    public static final String COOKIE = "gfs_ui_session";
    public static final String CSRF_HEADER = "X-Galleon-CSRF";

    @Inject
    ApiAccess access;
    @Inject
    DashboardSessions sessions;

    public record Login(String token) {
    }

    /** What the page needs to know about its session; auth_required is false when the node runs without auth. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SessionInfo(@JsonProperty("auth_required") boolean authRequired, String role,
                              @JsonProperty("token_name") String tokenName, String csrf,
                              @JsonProperty("expires_at") String expiresAt) {
        static SessionInfo of(DashboardSessions.Session s) {
            return new SessionInfo(true, s.role().wire(), s.tokenName(), s.csrf(), Instant.ofEpochMilli(s.expiresAtMillis()).toString());
        }
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response login(Login login) {
        if (!access.authRequired()) {
            return noStore(Response.ok(new SessionInfo(false, Role.ADMIN.wire(), null, "", null))).build();
        }
        Authenticator authenticator = access.authenticator();
        if (authenticator == null) {
            return ProblemMappers.problem(503, "Service Unavailable", "the node is starting; try again shortly");
        }
        String token = login == null || login.token() == null ? "" : login.token().strip();
        if (!TokenSecrets.wellFormed(token)) {
            return ProblemMappers.problem(401, "Unauthorized", "that is not a GalleonFS API token (gfs_ followed by 43 characters)");
        }
        return switch (authenticator.decide("Bearer " + token, Role.VIEWER)) {
            case Authenticator.Decision.Allowed a -> {
                DashboardSessions.Opened opened;
                try {
                    opened = sessions.open(a.token());
                } catch (IllegalStateException e) {
                    yield ProblemMappers.problem(503, "Service Unavailable", e.getMessage());
                }
                long maxAge = Math.max(1, (opened.session().expiresAtMillis() - System.currentTimeMillis()) / 1000);
                yield noStore(Response.ok(SessionInfo.of(opened.session())))
                        .header("Set-Cookie", cookie(opened.id(), maxAge)).build();
            }
            case Authenticator.Decision.Unauthenticated u -> ProblemMappers.problem(401, "Unauthorized", u.detail());
            case Authenticator.Decision.Forbidden f -> ProblemMappers.problem(403, "Forbidden", f.detail());
        };
    }

    @GET
    public Response current(@CookieParam(COOKIE) String id) {
        if (!access.authRequired()) {
            return noStore(Response.ok(new SessionInfo(false, Role.ADMIN.wire(), null, "", null))).build();
        }
        Optional<DashboardSessions.Session> s = sessions.find(id);
        if (s.isEmpty() || access.authenticator() == null
                || !(access.authenticator().decideHash(s.get().tokenHash(), Role.VIEWER) instanceof Authenticator.Decision.Allowed)) {
            return ProblemMappers.problem(401, "Unauthorized", "not logged in");
        }
        return noStore(Response.ok(SessionInfo.of(s.get()))).build();
    }

    @DELETE
    public Response logout(@CookieParam(COOKIE) String id, @HeaderParam(CSRF_HEADER) String csrf) {
        Optional<DashboardSessions.Session> s = sessions.find(id);
        if (s.isPresent() && !DashboardSessions.csrfMatches(s.get(), csrf)) {
            return ProblemMappers.problem(403, "Forbidden", "logging out must carry the session's CSRF token in the " + CSRF_HEADER + " header");
        }
        sessions.close(id);
        return Response.noContent().header("Set-Cookie", cookie("", 0)).header("Cache-Control", "no-store").build();
    }

    /** Path=/ because the same cookie authenticates /api/ calls; Secure even on plain HTTP (browsers accept it on loopback). */
    private static String cookie(String value, long maxAgeSeconds) {
        return COOKIE + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds + "; HttpOnly; Secure; SameSite=Strict";
    }

    private static Response.ResponseBuilder noStore(Response.ResponseBuilder b) {
        return b.header("Cache-Control", "no-store");
    }
}
