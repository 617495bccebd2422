package io.galleonfs.node.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.galleonfs.api.Problem;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The first handler of every HTTP request: refuses a path with dot segments, escaped separators or control characters
 * (see {@link RawPaths}) with 400 before the router normalises it and matches some other resource.
 */
@ApplicationScoped
public class RawPathGuard {
    private static final ObjectMapper JSON = new ObjectMapper();

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::check);
    }

    private void check(RoutingContext ctx) {
        String problem = RawPaths.problem(ctx.request().path());
        if (problem == null) {
            ctx.next();
            return;
        }
        String body;
        try {
            body = JSON.writeValueAsString(Problem.of(400, "Bad Request", problem));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a problem record always serialises", e);
        }
        ctx.response().setStatusCode(400).putHeader("Content-Type", Problem.MEDIA_TYPE).end(body);
    }
}
