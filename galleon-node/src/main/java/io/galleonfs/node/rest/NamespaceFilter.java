package io.galleonfs.node.rest;

import io.galleonfs.node.daemon.NodeRuntime;
import io.galleonfs.node.meta.VolumeRecord;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Hides volumes of other namespaces on every {@code /api/v1/volumes/{ref}...} route (data, snapshots, clones, mounts,
 * metrics, and whatever is added under it later): a volume the caller's token does not cover answers exactly like a
 * volume that does not exist (also for a request with a malformed body), so a tenant cannot learn that another
 * tenant's volume is there. Runs after
 * authentication and path validation.
 */
public class NamespaceFilter {
    static final String VOLUME_ROUTES = "/api/v1/volumes/{ref}";

    @Inject
    NodeRuntime node;

    @Inject
    Caller caller;

    @ServerRequestFilter(priority = Priorities.USER + 10)
    public Optional<Response> hideForeignVolumes(UriInfo uri, ResourceInfo resource) {
        if (caller.scope().unrestricted() || !PathParamFilter.template(resource).startsWith(VOLUME_ROUTES)) {
            return Optional.empty();
        }
        if (node.volumes() == null) {
            return Optional.of(ProblemMappers.problem(503, "Service Unavailable", "the node is starting; try again shortly"));
        }
        String ref = uri.getPathParameters(true).getFirst("ref");
        Optional<VolumeRecord> v = node.volumes().find(ref);
        // Missing volumes are answered here too, before the body is read: otherwise a malformed body would get 400 for a
        // missing volume but 404 for a foreign one, and that difference would tell them apart.
        if (v.isEmpty() || !caller.scope().allows(v.get().namespace())) {
            // The same words VolumeService uses for a missing volume.
            return Optional.of(ProblemMappers.problem(404, "Not Found", "volume '" + ref + "' not found"));
        }
        return Optional.empty();
    }
}
