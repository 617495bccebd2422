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
 * REST layer only sends it when it reads the body itself. A request without credentials on a node that requires them is
 * left alone too ({@link #anonymous}).
 */
@Singleton
public class SmallBodyReader {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(SmallBodyReader.class);
    static final int MAX_BYTES = 64 * 1024;

    @Inject
    ApiAccess access;

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
                || anonymous(access.authRequired(), request.getHeader("Authorization"), request.getHeader("Cookie"))) {
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

    /**
     * Whether a request carries no credentials at all (no {@code Authorization} header, no dashboard session cookie) on a
     * node that requires them. Its body is not read here, nor a {@code 100 Continue} sent for it: {@link AuthFilter}
     * refuses it before the REST layer reads any body, so an anonymous caller cannot make the node buffer one. A request
     * with credentials, even wrong ones, is read as before (the few that need no token, such as the dashboard login,
     * then stream their body through the REST layer, which is slower but the same).
     */
    static boolean anonymous(boolean authRequired, String authorization, String cookies) {
        return authRequired && authorization == null
                && (cookies == null || !cookies.contains(UiSessionResource.COOKIE + "="));
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
