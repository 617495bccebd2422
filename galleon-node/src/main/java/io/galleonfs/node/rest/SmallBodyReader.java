package io.galleonfs.node.rest;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.impl.RoutingContextInternal;
import jakarta.enterprise.event.Observes;
import io.galleonfs.node.auth.ApiAccess;
import io.galleonfs.node.auth.Authenticator;
import io.galleonfs.node.auth.DashboardSessions;
import io.galleonfs.node.auth.Role;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Reads a small API request body whole on the event loop, before the REST layer dispatches the request to a worker
 * thread. Without it a blocking resource method reads its body through Quarkus REST's blocking input stream: every
 * chunk and the end of the request are handed from the event loop to the waiting worker under the connection's
 * monitor, and under 32 concurrent volume creates that hand-over was a third of the CPU samples of the node taking them
 * (BENCHMARKS, "Request bodies read on the event loop"). With the body on the routing context the REST layer wraps it
 * in a byte-array stream instead.
 * <p>
 * Only HTTP/1.x requests under {@code /api/} that declare a {@code Content-Length} of at most {@link #MAX_BYTES} are
 * read here; larger and chunked bodies (volume data, restores) keep streaming. HTTP/2 requests (browsers and the CLI
 * over TLS) are left alone: the REST layer pauses every request it takes, and Vert.x refuses to pause an HTTP/2 request
 * that has ended (a 500, ClusterTlsIT). What this relies on: every resource method that
 * takes a body is blocking (a non-blocking one would find the request already ended and read an empty body, which
 * {@code SmallBodyReaderTest} guards), and a client that sent {@code Expect: 100-continue} gets its 100 from here, as the
 * REST layer only sends it when it reads the body itself. On a node that requires authentication only requests with a
 * valid token or dashboard session are read here ({@link #mayReadAhead}).
 */
@Singleton
public class SmallBodyReader {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(SmallBodyReader.class);
    static final int MAX_BYTES = 64 * 1024;

    @Inject
    ApiAccess access;

    @Inject
    DashboardSessions sessions;

    void install(@Observes Router router) {
        // after RawPathGuard (Integer.MIN_VALUE), which refuses bodies over the node's limit unread
        router.route().order(Integer.MIN_VALUE + 1).handler(this::read);
    }

    private void read(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        long length = request.version() == HttpVersion.HTTP_2 ? -1
                : readableLength(request.method(), request.path(), request.getHeader("Content-Length"));
        RoutingContextInternal internal = (RoutingContextInternal) ctx;
        if (length <= 0 || request.isEnded() || internal.seenHandler(RoutingContextInternal.BODY_HANDLER)
                || !mayReadAhead(request)) {
            ctx.next();
            return;
        }
        internal.visitHandler(RoutingContextInternal.BODY_HANDLER);
        Buffer body = Buffer.buffer((int) length);
        if ("100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
            ctx.response().writeContinue();
        }
        // a client that goes away mid-body ends the request here: nothing was dispatched, nothing to answer
        request.exceptionHandler(e -> LOG.debugf("request body of %s %s not read: %s", request.method(), request.path(), e))
                .handler(body::appendBuffer)
                .endHandler(end -> {
                    ctx.setBody(body);
                    ctx.next();
                })
                .resume();
    }

    private boolean mayReadAhead(HttpServerRequest request) {
        io.vertx.core.http.Cookie session = request.getCookie(UiSessionResource.COOKIE);
        return mayReadAhead(access.authRequired(), access.authenticator(), sessions, request.getHeader("Authorization"),
                session == null ? null : session.getValue());
    }

    /**
     * Whether a request's body may be read here: always on a node without authentication; otherwise only when its bearer
     * token, or else its dashboard session, is valid now (any role: the route's role is {@link AuthFilter}'s to check,
     * after routing). Everything else (no credentials, unknown, revoked or expired ones, a node still starting) is left
     * alone, and {@link AuthFilter} refuses it before the REST layer reads any body, so a caller without a valid credential
     * cannot make the node buffer one. A request left alone that needs no token (the dashboard login, a joining node's
     * certificate request) streams its body through the REST layer: slower, same result. One SHA-256 of the secret, the
     * same check AuthFilter makes again.
     */
    static boolean mayReadAhead(boolean authRequired, Authenticator authenticator, DashboardSessions sessions, String authorization,
                                String sessionId) {
        if (!authRequired) {
            return true;
        }
        if (authenticator == null) {
            return false;
        }
        if (authorization != null) { // a bearer token wins over a session cookie, as in AuthFilter
            return authenticator.decide(authorization, Role.VIEWER) instanceof Authenticator.Decision.Allowed;
        }
        return sessionId != null && sessions.find(sessionId)
                .map(s -> authenticator.decideHash(s.tokenHash(), Role.VIEWER) instanceof Authenticator.Decision.Allowed).orElse(false);
    }

    /** The body length to read here, or -1 when the request's body is left to the REST layer's stream. */
    static long readableLength(HttpMethod method, String path, String contentLength) {
        if (contentLength == null || path == null || !path.startsWith("/api/")
                || !(method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH
                        || method == HttpMethod.DELETE)) {
            return -1;
        }
        try {
            long length = Long.parseLong(contentLength.trim());
            return length > MAX_BYTES ? -1 : length;
        } catch (NumberFormatException e) {
            return -1; // the HTTP decoder refuses a malformed length itself
        }
    }
}
