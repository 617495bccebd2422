package io.galleonfs.node.rest;

import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.reactive.server.core.ResteasyReactiveRequestContext;
import org.jboss.resteasy.reactive.server.spi.ResteasyReactiveContainerRequestContext;

/**
 * One path or query parameter or header of the current request, decoded. {@code UriInfo.getPathParameters}/{@code
 * getQueryParameters} build a new map of every parameter on each call (the query string parsed again), which showed in
 * the profile of small REST reads; RESTEasy Reactive's request context answers one name from what it has parsed
 * already. Falls back to {@code UriInfo} for any other implementation.
 */
final class RequestParams {
    private final ContainerRequestContext request;
    private final ResteasyReactiveRequestContext direct;

    private RequestParams(ContainerRequestContext request, ResteasyReactiveRequestContext direct) {
        this.request = request;
        this.direct = direct;
    }

    static RequestParams of(ContainerRequestContext request) {
        if (request instanceof ResteasyReactiveContainerRequestContext rr
                && rr.getServerRequestContext() instanceof ResteasyReactiveRequestContext ctx) {
            return new RequestParams(request, ctx);
        }
        return new RequestParams(request, null);
    }

    /** Whether single parameters are read without building maps (the names must then come from the template). */
    boolean direct() {
        return direct != null;
    }

    String path(String name) {
        return direct != null ? direct.getPathParameter(name, false) : request.getUriInfo().getPathParameters(true).getFirst(name);
    }

    /**
     * The values of header {@code name} joined with commas as {@code getHeaderString} does, or null. The first call to
     * {@code getHeaderString} copies every header into a new map, which the authentication filter paid on each request.
     */
    String header(String name) {
        if (direct == null) {
            return request.getHeaderString(name);
        }
        java.util.List<String> all = direct.serverRequest().getAllRequestHeaders(name);
        return all == null || all.isEmpty() ? null : all.size() == 1 ? all.getFirst() : String.join(",", all);
    }

    /** The first value of query parameter {@code name}, or null. */
    String query(String name) {
        if (direct != null) {
            Object v = direct.getQueryParameter(name, true, false);
            return v == null ? null : v.toString();
        }
        return request.getUriInfo().getQueryParameters(true).getFirst(name);
    }
}
