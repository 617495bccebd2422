package io.galleonfs.node.rest;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a request whose {@code Content-Type} is a pattern ({@code *}{@code /*}, {@code application/*}) rather than a
 * media type. Such a header names no format, and the framework then picks a body reader that does not apply the
 * {@link StrictJson} rules (CI seed 74545149024380: {@code {"size":"2M","size":null}} sent as {@code *}{@code /*} was a
 * 500). Runs after authentication and the namespace check, so it never reveals whether a volume exists.
 */
public class MediaTypeFilter {

    @ServerRequestFilter(priority = Priorities.USER + 20)
    public Optional<Response> refusePatterns(ContainerRequestContext request) {
        MediaType type = request.getMediaType();
        if (type == null || !(type.isWildcardType() || type.isWildcardSubtype())) {
            return Optional.empty();
        }
        return Optional.of(ProblemMappers.problem(415, "Unsupported Media Type", "Content-Type '" + type.getType() + "/"
                + type.getSubtype() + "' is a pattern, not a media type: send the body as application/json"));
    }
}
