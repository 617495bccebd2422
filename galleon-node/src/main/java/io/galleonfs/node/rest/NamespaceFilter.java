package io.galleonfs.node.rest;

import io.galleonfs.node.meta.MetadataStore;
import jakarta.inject.Provider;
import io.galleonfs.node.meta.VolumeLookup;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Resolves the volume of every {@code /api/v1/volumes/{ref}...} route for the caller ({@link VolumeLookup}: a bare name
 * is looked up in the caller's namespaces, {@code ?namespace=} picks one, an ambiguous name is 409 listing the caller's
 * namespaces that hold it) and hides volumes of other namespaces (data, snapshots, clones, mounts,
 * metrics, and whatever is added under it later): a volume the caller's token does not cover answers exactly like a
 * volume that does not exist (also for a request with a malformed body), so a tenant cannot learn that another
 * tenant's volume is there. Runs after
 * authentication and path validation.
 */
public class NamespaceFilter {
    static final String VOLUME_ROUTES = "/api/v1/volumes/{ref}";

    @Inject
    Provider<MetadataStore> metadata; // resolved per request: 503 while the node starts

    @Inject
    Caller caller;

    @Inject
    VolumeRefs refs;

    @ServerRequestFilter(priority = Priorities.USER + 10)
    public Optional<Response> hideForeignVolumes(ContainerRequestContext request, ResourceInfo resource) {
        if (!Routes.of(resource).volumeRoute()) {
            return Optional.empty(); // decided once per route: requests that name no volume cost nothing here
        }
        RequestParams params = RequestParams.of(request);
        String ref = params.path("ref");
        String namespace = params.query(VolumeRefs.NAMESPACE_PARAM);
        // Missing volumes are answered here too, before the body is read: otherwise a malformed body would get 400 for a
        // missing volume but 404 for a foreign one, and that difference would tell them apart.
        return switch (VolumeLookup.resolve(metadata.get().state(), ref, namespace, caller.scope())) {
            case VolumeLookup.Found f -> {
                refs.resolved(ref, namespace, f.volume());
                yield Optional.empty();
            }
            // The same words VolumeService uses for a missing volume.
            case VolumeLookup.Missing m -> Optional.of(ProblemMappers.problem(404, "Not Found", "volume '" + ref + "' not found"));
            // Lists only namespaces the caller may see: ambiguity is decided within its scope.
            case VolumeLookup.Ambiguous a -> Optional.of(Response.status(409).type(io.galleonfs.api.Problem.MEDIA_TYPE)
                    .entity(new AmbiguousName("about:blank", "Conflict", 409, a.detail(), a.namespaces())).build());
        };
    }

    /** A problem body that also lists the namespaces to choose from. */
    public record AmbiguousName(String type, String title, int status, String detail, java.util.List<String> namespaces) {
    }
}
