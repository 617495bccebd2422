package io.galleonfs.node.rest;

import io.galleonfs.api.PathParams;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
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
    public Optional<Response> validate(UriInfo uri, ResourceInfo resource) {
        Map<String, List<String>> params = uri.getPathParameters(true);
        if (params.isEmpty()) {
            return Optional.empty();
        }
        String template = template(resource);
        for (Map.Entry<String, List<String>> p : params.entrySet()) {
            for (String value : p.getValue()) {
                try {
                    PathParams.requireValid(template, p.getKey(), value);
                } catch (IllegalArgumentException e) {
                    return Optional.of(ProblemMappers.problem(400, "Bad Request", e.getMessage()));
                }
            }
        }
        return Optional.empty();
    }

    static String template(ResourceInfo resource) {
        Path type = resource.getResourceClass() == null ? null : resource.getResourceClass().getAnnotation(Path.class);
        Path method = resource.getResourceMethod() == null ? null : resource.getResourceMethod().getAnnotation(Path.class);
        String t = (type == null ? "" : type.value()) + (method == null ? "" : "/" + method.value());
        return t.replace("//", "/");
    }
}
