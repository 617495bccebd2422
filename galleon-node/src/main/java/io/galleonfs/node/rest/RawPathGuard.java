package io.galleonfs.node.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.galleonfs.api.Problem;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import io.quarkus.runtime.configuration.MemorySize;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The first handler of every HTTP request: refuses a path with dot segments, escaped separators or control characters
 * (see {@link RawPaths}) with 400 before the router normalises it and matches some other resource, and a body announced
 * larger than the HTTP limit with a 413 problem (the HTTP layer's own refusal has no body), and a state-changing request
 * a browser sends on behalf of another site with a 403 problem ({@link CrossSiteRequests}).
 */
@ApplicationScoped
public class RawPathGuard {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    MemorySize maxBodySize;
    private long maxBody;

    void install(@Observes Router router) {
        maxBody = maxBodySize.asLongValue();
        router.route().order(Integer.MIN_VALUE).handler(this::check);
    }

    /**
     * The host the client addressed. HTTP/2 (what browsers speak over TLS) has no Host header, only the
     * {@code :authority} pseudo-header: without it every browser change over HTTPS was refused as cross-origin.
     */
    static String host(RoutingContext ctx) {
        String host = ctx.request().getHeader("Host");
        if (host != null) {
            return host;
        }
        io.vertx.core.net.HostAndPort authority = ctx.request().authority();
        return authority == null ? null : authority.port() >= 0 ? authority.host() + ":" + authority.port() : authority.host();
    }

    private void check(RoutingContext ctx) {
        String problem = RawPaths.problem(ctx.request().path());
        if (problem != null) {
            refuse(ctx, 400, "Bad Request", problem);
            return;
        }
        String crossSite = CrossSiteRequests.problem(ctx.request().method().name(), ctx.request().getHeader("Origin"),
                ctx.request().getHeader("Sec-Fetch-Site"), host(ctx));
        if (crossSite != null) {
            refuse(ctx, 403, "Forbidden", crossSite);
            return;
        }
        String length = ctx.request().getHeader("Content-Length");
        if (length != null && tooLong(length)) {
            refuse(ctx, 413, "Content Too Large", "the request body is larger than " + maxBody + " bytes");
            return;
        }
        ctx.next();
    }

    private boolean tooLong(String length) {
        try {
            return Long.parseLong(length.trim()) > maxBody;
        } catch (NumberFormatException e) {
            return false; // the HTTP decoder refuses a malformed length itself
        }
    }

    private static void refuse(RoutingContext ctx, int status, String title, String detail) {
        String body;
        try {
            body = JSON.writeValueAsString(Problem.of(status, title, detail));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a problem record always serialises", e);
        }
        // The body of a refused request is not read: close the connection rather than drain it. HTTP/2 forbids the
        // Connection header (clients reject the whole response); there the unread stream is simply reset.
        ctx.response().setStatusCode(status).putHeader("Content-Type", Problem.MEDIA_TYPE);
        if (ctx.request().version() != io.vertx.core.http.HttpVersion.HTTP_2) {
            ctx.response().putHeader("Connection", "close");
        }
        ctx.response().end(body);
    }
}
