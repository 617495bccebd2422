package io.galleonfs.node.rest;

import io.galleonfs.node.auth.Authenticator;
import io.galleonfs.node.auth.ApiAccess;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Checks the bearer token of every {@code /api/} request before anything else about it (so an unauthenticated caller
 * learns nothing, not even whether a name is valid) and refuses a role below what
 * {@link io.galleonfs.node.auth.AccessRule} asks (remembered per route, {@link Routes}). The
 * platform endpoints under {@code /q/} (health, OpenAPI, metrics) are not resources and stay open.
 */
public class AuthFilter {

    @Inject
    ApiAccess access;
    @Inject
    io.galleonfs.node.auth.DashboardSessions dashboardSessions;

    @Inject
    Caller caller;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Optional<Response> authenticate(ContainerRequestContext request, ResourceInfo resource) {
        String path = request.getUriInfo().getPath();
        if (!access.authRequired() || !path.startsWith("/api/") || path.equals(io.galleonfs.node.tls.NodeCertificateExchange.PATH)) {
            // the node-certificate path is for nodes that hold only a join token, which NodeCertificateResource checks
            return Optional.empty();
        }
        Authenticator authenticator = access.authenticator();
        if (authenticator == null) {
            return Optional.of(ProblemMappers.problem(503, "Service Unavailable", "the node is starting; try again shortly"));
        }
        var required = Routes.of(resource).required(request.getMethod());
        String authorization = RequestParams.of(request).header(HttpHeaders.AUTHORIZATION);
        // The dashboard authenticates with its session cookie (and a CSRF header on changes); a bearer token wins, so
        // the cookies are parsed only for a request without one.
        Authenticator.Decision decision;
        if (authorization != null) {
            decision = authenticator.decide(authorization, required);
        } else {
            jakarta.ws.rs.core.Cookie uiSession = request.getCookies().get(UiSessionResource.COOKIE);
            decision = uiSession != null
                    ? dashboardSessions.decide(uiSession.getValue(), request.getMethod(),
                            request.getHeaderString(UiSessionResource.CSRF_HEADER), required, authenticator)
                    : authenticator.decide(null, required);
        }
        return switch (decision) {
            case Authenticator.Decision.Allowed a -> {
                caller.authenticated(a.token());
                yield Optional.empty();
            }
            case Authenticator.Decision.Unauthenticated u -> Optional.of(Response.fromResponse(
                    ProblemMappers.problem(401, "Unauthorized", u.detail())).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build());
            case Authenticator.Decision.Forbidden f -> Optional.of(ProblemMappers.problem(403, "Forbidden", f.detail()));
        };
    }
}
