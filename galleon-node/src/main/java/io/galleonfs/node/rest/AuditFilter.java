package io.galleonfs.node.rest;

import io.galleonfs.node.audit.AuditRecord;
import io.galleonfs.node.audit.AuditTrail;
import io.galleonfs.node.auth.Authenticator;
import io.galleonfs.node.auth.TokenRecord;
import io.galleonfs.node.auth.ApiAccess;
import io.galleonfs.node.daemon.NodeStatus;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Records every mutating {@code /api/} call and every refused one (401/403) in the audit log, after the answer is
 * known: who (token name, never the secret), what (method and route template), on which path, the status, and from
 * where. Only queues the record (see {@link io.galleonfs.node.audit.AuditLog}), so it adds no disk wait to a call.
 */
public class AuditFilter {

    @Inject
    AuditTrail audit;

    @Inject
    Caller caller;

    @Inject
    ApiAccess access;

    @Inject
    NodeStatus nodeStatus;

    @Inject
    CurrentVertxRequest vertx;

    @ServerResponseFilter
    public void record(ContainerRequestContext request, ContainerResponseContext response, ResourceInfo resource) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/api/")) {
            return;
        }
        String method = request.getMethod().toUpperCase(Locale.ROOT);
        int status = response.getStatus();
        boolean mutating = !(method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS"));
        boolean denied = status == 401 || status == 403;
        if (!mutating && !denied) {
            return;
        }
        Optional<TokenRecord> token = caller.token().or(() -> {
            Authenticator a = access.authenticator();
            return a == null ? Optional.empty() : a.identify(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        });
        String template = resource == null || resource.getResourceClass() == null ? path : PathParamFilter.template(resource);
        Optional<String> joiner = caller.joiner(); // a node asking for its certificate with a join token
        audit.record(new AuditRecord.Event(Instant.now().toString(), nodeStatus.nodeId(), joiner.orElseGet(() -> token.map(TokenRecord::name).orElse("-")),
                joiner.isPresent() ? "join" : token.map(t -> t.role().wire()).orElse("-"), method + " " + template, path, status, remote()));
    }

    private String remote() {
        try {
            var rc = vertx.getCurrent();
            var address = rc == null ? null : rc.request().remoteAddress();
            return address == null ? "-" : address.hostAddress() + ":" + address.port();
        } catch (RuntimeException e) {
            return "-";
        }
    }
}
