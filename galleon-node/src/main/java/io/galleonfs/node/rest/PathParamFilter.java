package io.galleonfs.node.rest;

import io.galleonfs.api.PathParams;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Checks every path parameter against the rule of the object it names ({@link PathParams}) before a resource method
 * runs, so an invalid name is a 400 that changes nothing, for every endpoint including those added later.
 */
public class PathParamFilter {

    @ServerRequestFilter
    public Optional<Response> validate(ContainerRequestContext request, ResourceInfo resource) {
        Routes.Route route = Routes.of(resource);
        RequestParams params = RequestParams.of(request);
        if (params.direct()) {
            // The names come from the matched template: no map of every parameter is built per request.
            for (String name : route.parameters()) {
                String value = params.path(name);
                if (value != null) {
                    Optional<Response> bad = check(route.template(), name, value);
                    if (bad.isPresent()) {
                        return bad;
                    }
                }
            }
            return Optional.empty();
        }
        for (Map.Entry<String, List<String>> p : request.getUriInfo().getPathParameters(true).entrySet()) {
            for (String value : p.getValue()) {
                Optional<Response> bad = check(route.template(), p.getKey(), value);
                if (bad.isPresent()) {
                    return bad;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<Response> check(String template, String name, String value) {
        try {
            PathParams.requireValid(template, name, value);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(ProblemMappers.problem(400, "Bad Request", e.getMessage()));
        }
    }

    static String template(ResourceInfo resource) {
        return Routes.of(resource).template();
    }
}
