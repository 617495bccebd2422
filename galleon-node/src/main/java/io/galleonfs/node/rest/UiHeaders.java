package io.galleonfs.node.rest;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Security headers on everything under {@code /ui} (the dashboard's files and its session endpoint). The policy allows
 * scripts, styles and connections from this node only and no inline script or style at all, so markup injected through
 * some API value cannot run; no other site may frame the dashboard (clickjacking of its delete buttons).
 */
@ApplicationScoped
public class UiHeaders {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; font-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    void install(@Observes Router router) {
        // Right after RawPathGuard (Integer.MIN_VALUE), before the static files and REST handlers write the response.
        router.route("/ui*").order(Integer.MIN_VALUE + 1).handler(this::headers);
        // The dashboard's libraries (uPlot) come from webjars: never let a browser sniff them into another type.
        router.route("/webjars/*").order(Integer.MIN_VALUE + 1).handler(ctx -> {
            ctx.response().putHeader("X-Content-Type-Options", "nosniff");
            ctx.next();
        });
    }

    private void headers(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        if (!path.equals("/ui") && !path.startsWith("/ui/")) {
            ctx.next();
            return;
        }
        if (path.equals("/ui")) {
            ctx.response().setStatusCode(302).putHeader("Location", "/ui/").end();
            return;
        }
        ctx.response()
                .putHeader("Content-Security-Policy", CSP)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("Cross-Origin-Opener-Policy", "same-origin");
        if (!path.startsWith("/ui/session")) {
            ctx.response().putHeader("Cache-Control", "no-cache"); // the session endpoint says no-store itself
        }
        ctx.next();
    }
}
